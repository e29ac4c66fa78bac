#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build a testbed guest kernel from Debian's linux-source-7.3 and the config
# fragments in scripts/testbed/kconfig (the configuration and build steps are
# kbuild.sh's, shared with kernel-tree.sh). Output (cached, keyed by source
# version, fragments, this script and kbuild.sh): bootable image, kbuild tree
# for external modules and the exported uAPI headers. Prints the output directory.
#   build-kernel.sh ARCH [debug]   (ARCH: x86_64 or arm64)
# debug: the debug variant (kconfig/debug.config: KASAN, lockdep, UBSAN, ...),
# for the guests whose `kernel` is `debug` (scripts/testbed/guests.cfg).
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
usage="usage: build-kernel.sh x86_64|arm64 [debug]"
arch=$(lab_arch_norm "${1:-}") || lab_die "$usage"
variant=${2:-}
case "$variant" in "" | debug) ;; *) lab_die "$usage" ;; esac
src=$("$LAB_TOP/scripts/testbed/setup.sh" --print-kernel-source)
[ -f "$src/Makefile" ] || lab_die "kernel source not found at $src (run scripts/testbed/setup.sh)"

. "$LAB_TOP/scripts/testbed/kbuild.sh"

read -r -a frags <<< "$(lab_kbuild_fragments "$arch" "$variant")"
key=$( (cat "$src/.lab-version"; cat "${frags[@]}" "$0" "$LAB_TOP/scripts/testbed/kbuild.sh") |
	sha256sum | cut -c1-12)
out="$IOMMU_LAB_CACHE/kernels/$arch${variant:+-$variant}-$key"
if [ -f "$out/.done" ]; then echo "$out"; exit 0; fi

rm -rf "$out"
lab_kbuild_init "$arch" "$src" "$out/build" "$variant"
lab_log "building $arch${variant:+ $variant} guest kernel in $out (a few minutes)"
lab_kbuild_config "$out/config.log"
lab_kbuild_all "$out/build.log"
lab_kbuild_headers "$out/uapi" "$out/headers.log"
cp "$out/build/$LAB_KIMAGE" "$out/kernel.img"
touch "$out/.done"
echo "$out"
