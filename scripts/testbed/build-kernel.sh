#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build a testbed guest kernel from Debian's linux-source-7.3 and the config
# fragments in scripts/testbed/kconfig (the configuration and build steps are
# kbuild.sh's, shared with kernel-tree.sh). Output (cached, keyed by source
# version, fragments, this script and kbuild.sh): bootable image, kbuild tree
# for external modules and the exported uAPI headers. Prints the output directory.
#   build-kernel.sh ARCH      (ARCH: x86_64 or arm64)
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
arch=$(lab_arch_norm "${1:-}") || lab_die "usage: build-kernel.sh x86_64|arm64"
kc="$LAB_TOP/scripts/testbed/kconfig"
src=$("$LAB_TOP/scripts/testbed/setup.sh" --print-kernel-source)
[ -f "$src/Makefile" ] || lab_die "kernel source not found at $src (run scripts/testbed/setup.sh)"

. "$LAB_TOP/scripts/testbed/kbuild.sh"

key=$( (cat "$src/.lab-version"; cat "$kc/common.config" "$kc/$arch.config" "$0" "$LAB_TOP/scripts/testbed/kbuild.sh") |
	sha256sum | cut -c1-12)
out="$IOMMU_LAB_CACHE/kernels/$arch-$key"
if [ -f "$out/.done" ]; then echo "$out"; exit 0; fi

rm -rf "$out"
lab_kbuild_init "$arch" "$src" "$out/build"
lab_log "building $arch guest kernel in $out (a few minutes)"
lab_kbuild_config "$out/config.log"
lab_kbuild_all "$out/build.log"
lab_kbuild_headers "$out/uapi" "$out/headers.log"
cp "$out/build/$LAB_KIMAGE" "$out/kernel.img"
touch "$out/.done"
echo "$out"
