#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build a testbed guest kernel from Debian's linux-source-7.3 and the config
# fragments in scripts/testbed/kconfig. Output (cached, keyed by source version,
# fragments and this script): bootable image, kbuild tree for external modules
# and the exported uAPI headers. Prints the output directory.
#   build-kernel.sh ARCH      (ARCH: x86_64 or arm64)
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
arch=$(lab_arch_norm "${1:-}") || lab_die "usage: build-kernel.sh x86_64|arm64"
kc="$LAB_TOP/scripts/testbed/kconfig"
src=$("$LAB_TOP/scripts/testbed/setup.sh" --print-kernel-source)
[ -f "$src/Makefile" ] || lab_die "kernel source not found at $src (run scripts/testbed/setup.sh)"

key=$( (cat "$src/.lab-version"; cat "$kc/common.config" "$kc/$arch.config" "$0") | sha256sum | cut -c1-12)
out="$IOMMU_LAB_CACHE/kernels/$arch-$key"
if [ -f "$out/.done" ]; then echo "$out"; exit 0; fi

if [ "$arch" = arm64 ]; then
	kmake=(make -C "$src" O="$out/build" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	image=arch/arm64/boot/Image
else
	kmake=(make -C "$src" O="$out/build" ARCH=x86_64)
	image=arch/x86/boot/bzImage
fi
rm -rf "$out"; mkdir -p "$out/build"
lab_log "building $arch guest kernel in $out (a few minutes)"
{
	"${kmake[@]}" tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out/build" "$out/build/.config" \
		"$kc/common.config" "$kc/$arch.config"
	"${kmake[@]}" olddefconfig
} > "$out/config.log" 2>&1 || lab_die "kernel configuration failed, see $out/config.log"

# Every option asked for must be in the final configuration.
missing=$(cat "$kc/common.config" "$kc/$arch.config" | grep -E '^CONFIG_' | while IFS= read -r want; do
	name=${want%%=*}; val=${want#*=}
	if [ "$val" = n ]; then
		grep -qx "$name=y\|$name=m" "$out/build/.config" && echo "$want"
	else
		grep -qx "$want" "$out/build/.config" || echo "$want"
	fi
done || true)
[ -z "$missing" ] || lab_die "guest $arch kernel: options not satisfied after olddefconfig:"$'\n'"$missing"

"${kmake[@]}" -j"$(( $(nproc) + 1 ))" all > "$out/build.log" 2>&1 \
	|| { tail -n 30 "$out/build.log" >&2; lab_die "kernel build failed, see $out/build.log"; }
"${kmake[@]}" headers_install INSTALL_HDR_PATH="$out/uapi" > "$out/headers.log" 2>&1 \
	|| lab_die "headers_install failed, see $out/headers.log"
cp "$out/build/$image" "$out/kernel.img"
touch "$out/.done"
echo "$out"
