#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Unpack one of Debian's stock kernels for a testbed guest: the image, its
# modules, its kbuild tree (headers of the guest's architecture, kbuild
# programs of the host's, so the module cross-builds) and the uAPI headers of
# the same kernel (linux-libc-dev of its source version). Output (cached,
# keyed by the ABI name and architecture) has the layout build-kernel.sh
# gives, plus modules/:
#   kernel.img  build/ (configure --with-linux)  uapi/include (--with-uapi)
#   modules/lib/modules/<release>/
# Prints the output directory.
#   kernel-deb.sh ARCH ABI      e.g. kernel-deb.sh arm64 6.12.95+deb12
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$LAB_TOP/scripts/testbed/apt.sh"
arch=$(lab_arch_norm "${1:-}") || lab_die "usage: kernel-deb.sh x86_64|arm64 ABI (e.g. 6.12.95+deb12)"
abi=${2:-}
[[ "$abi" =~ ^[0-9]+\.[0-9]+\.[0-9]+[-+][A-Za-z0-9.+~-]+$ ]] || lab_die "kernel-deb.sh: '$abi' is not a Debian kernel ABI name (e.g. 6.12.95+deb12, 6.1.0-57)"
case "$arch" in x86_64) darch=amd64 ;; arm64) darch=arm64 ;; esac
harch=$(dpkg --print-architecture)
out="$IOMMU_LAB_CACHE/kernels/deb-$abi-$arch"
if [ -f "$out/.done" ]; then echo "$out"; exit 0; fi

lab_apt_config debian-kernels "bookworm bookworm-updates bookworm-backports" "$harch $darch"
# The security suite has its own path on the mirror.
printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\nSigned-By: %s\n' \
	"${IOMMU_LAB_APT_SECURITY_MIRROR:-http://deb.debian.org/debian-security}" "$LAB_APT_KEYRING" \
	>> "$LAB_APT_DIR/debian-kernels/etc/sources.sources"
lab_apt_update debian-kernels
cache() { APT_CONFIG="$LAB_APT_DIR/debian-kernels/apt.conf" apt-cache "$@"; }

release="$abi-$darch"
image="linux-image-$release"
cache show "$image:$darch" > /dev/null 2>&1 || image="$image-unsigned"
cache show "$image:$darch" > /dev/null 2>&1 \
	|| lab_die "no linux-image-$release in bookworm, bookworm-security or bookworm-backports (apt-cache search linux-image- lists them)"
version=$(cache show "$image:$darch" | sed -n 's/^Version: //p' | head -n1)
# The kbuild programs' package is named by the headers (linux-kbuild-6.1 in
# bookworm, linux-kbuild-<abi> later); the host's architecture, as they run here.
kbuild=$(cache show "linux-headers-$release:$darch=$version" | sed -n 's/^Depends: //p' | head -n1 |
	tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep '^linux-kbuild-' | head -n1)
[ -n "$kbuild" ] || lab_die "linux-headers-$release names no linux-kbuild package"
pkgs=("$image:$darch=$version" "linux-headers-$release:$darch=$version" "linux-headers-$abi-common=$version"
      "$kbuild:$harch=$version")
# The uAPI headers of the same source version; bookworm's 6.1 linux-libc-dev
# is per-architecture, later ones are Architecture: all.
libc=$(cache madison linux-libc-dev | awk -F'|' -v v="$version" '{ gsub(/ /, "", $2) } $2 == v { print $2; exit }')
[ -n "$libc" ] || lab_die "no linux-libc-dev $version next to $image"
libc_arch=$(cache show "linux-libc-dev=$libc" | sed -n 's/^Architecture: //p')
if [[ "$libc_arch" == all* ]]; then
	pkgs+=("linux-libc-dev=$libc")
else
	pkgs+=("linux-libc-dev:$darch=$libc")
fi

lab_log "unpacking Debian kernel $release ($version) for the $arch guest"
rm -rf "$out"; mkdir -p "$out/.debs" "$out/root"
(cd "$out/.debs" && APT_CONFIG="$LAB_APT_DIR/debian-kernels/apt.conf" apt-get -q download "${pkgs[@]}" >&2) \
	|| lab_die "downloading ${pkgs[*]} failed"
for f in "$out"/.debs/*.deb; do dpkg-deb -x "$f" "$out/root"; done
rm -rf "$out/.debs"

r="$out/root"
# The flavour's Makefile includes the common tree by absolute path.
sed -i "s|include /usr/src/|include $r/usr/src/|" "$r/usr/src/linux-headers-$release/Makefile"
ln -s "root/usr/src/linux-headers-$release" "$out/build"
ln -s "root/boot/vmlinuz-$release" "$out/kernel.img"
mkdir -p "$out/modules/lib/modules"
ln -s "../../../root/lib/modules/$release" "$out/modules/lib/modules/$release"
# The package leaves modules.dep to its postinst; build-initramfs.sh takes
# the modules a guest needs, with what they depend on, from it.
depmod -b "$out/modules" "$release" || lab_die "depmod for $release failed"
# uapi/include as `make headers_install` lays it out: asm/ from the
# architecture's multiarch directory.
triplet=$(lab_gnu_triplet "$arch")
mkdir -p "$out/uapi/include"
for d in "$r"/usr/include/*/; do
	n=$(basename "$d")
	case "$n" in *-linux-gnu*) continue ;; esac
	ln -s "../../root/usr/include/$n" "$out/uapi/include/$n"
done
[ -d "$r/usr/include/$triplet/asm" ] || lab_die "linux-libc-dev $libc has no $triplet/asm"
ln -s "../../root/usr/include/$triplet/asm" "$out/uapi/include/asm"
echo "$release" > "$out/release"
touch "$out/.done"
echo "$out"
