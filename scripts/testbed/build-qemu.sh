#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build QEMU from Debian's source package with iommu-lab's additions: the PCIe
# test device with a PASID capability (qemu/iommu-lab-dev.c, and its register
# header lib/drivers/labdev/labdev_hw.h) and the small, commented changes in
# qemu/patches/ (PASID-tagged DMA address spaces from the PCI IOMMU ops, a
# configurable VT-d PASID width). Only the x86_64 and aarch64
# system emulators, TCG only. Cached by source version and our files; prints
# the directory holding bin/qemu-system-*.
#   build-qemu.sh
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$LAB_TOP/scripts/testbed/apt.sh"
Q="$LAB_TOP/scripts/testbed/qemu"
QEMU_SRC_VERSION=${IOMMU_LAB_QEMU_SRC_VERSION:-1:10.0.13+ds-0+deb13u1}
BUILD_PKGS="dpkg-dev ninja-build pkg-config libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev python3-venv flex bison"

# The device's register and pattern header is shared with the module and the
# library: it goes next to the model, and into the cache key.
LABDEV_HW="$LAB_TOP/lib/drivers/labdev/labdev_hw.h"
key=$( (echo "$QEMU_SRC_VERSION"; cat "$Q"/iommu-lab-dev.c "$LABDEV_HW" "$Q"/patches/*.patch "$0") | sha256sum | cut -c1-12)
out="$IOMMU_LAB_CACHE/qemu-build/$key"
if [ -x "$out/bin/qemu-system-x86_64" ] && [ -x "$out/bin/qemu-system-aarch64" ]; then echo "$out/bin"; exit 0; fi

# Build tools: Debian packages (meson >= 1.5 comes from bookworm-backports).
missing=""
for p in $BUILD_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
meson_ok=$(/usr/bin/python3 -c 'import mesonbuild.coredata as c; v=tuple(int(x) for x in c.version.split(".")[:2]); print(int(v >= (1, 5)))' 2>/dev/null || echo 0)
if [ -n "$missing" ] || [ "$meson_ok" != 1 ]; then
	[ "$(id -u)" = 0 ] || lab_die "missing build packages:$missing${meson_ok:+ meson>=1.5 (bookworm-backports)}; run as root"
	lab_apt_config bookworm-bpo "bookworm bookworm-updates bookworm-backports" "amd64 arm64"
	lab_apt_update bookworm-bpo
	[ -n "$missing" ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2
	[ "$meson_ok" = 1 ] || DEBIAN_FRONTEND=noninteractive lab_apt bookworm-bpo -o Dir::State::status=/var/lib/dpkg/status \
		install -y -t bookworm-backports --no-install-recommends meson >&2
fi

# Source: a private deb-src configuration for trixie.
d="$LAB_APT_DIR/src-trixie"
mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/etc" "$IOMMU_LAB_CACHE/qemu-src"
printf 'Types: deb-src\nURIs: %s\nSuites: trixie trixie-updates\nComponents: main\nSigned-By: %s\n' \
	"$LAB_APT_MIRROR" "$LAB_APT_KEYRING" > "$d/etc/sources.sources"
{
	echo "Dir::Etc::sourcelist \"/dev/null\"; Dir::Etc::sourceparts \"$d/etc\";"
	echo "Dir::State::Lists \"$d/lists\"; Dir::Cache \"$d/cache\";"
	echo 'Acquire::Languages "none"; APT::Sandbox::User "root";'
} > "$d/apt.conf"
ver=${QEMU_SRC_VERSION#*:}
dsc="$IOMMU_LAB_CACHE/qemu-src/qemu_$ver.dsc"
if [ ! -f "$dsc" ]; then
	APT_CONFIG="$d/apt.conf" apt-get -q update >&2
	(cd "$IOMMU_LAB_CACHE/qemu-src" && APT_CONFIG="$d/apt.conf" apt-get -q source --download-only "qemu=$QEMU_SRC_VERSION" >&2)
fi

work="$IOMMU_LAB_CACHE/qemu-build/$key.work"
rm -rf "$work" "$out"; mkdir -p "$work"
lab_log "building QEMU $ver with iommu-lab's device (several minutes)"
dpkg-source -x "$dsc" "$work/src" > "$work/unpack.log" 2>&1 || lab_die "dpkg-source failed, see $work/unpack.log"
for p in "$Q"/patches/*.patch; do
	patch -d "$work/src" -p1 --quiet < "$p" || lab_die "$(basename "$p") does not apply to QEMU $ver"
done
cp "$Q/iommu-lab-dev.c" "$LABDEV_HW" "$work/src/hw/misc/"
mkdir -p "$work/build"
(cd "$work/build" && "$work/src/configure" --prefix="$out" --python=/usr/bin/python3 \
	--target-list=x86_64-softmmu,aarch64-softmmu --without-default-features --enable-tcg \
	--enable-fdt=system --disable-docs --disable-install-blobs) > "$work/configure.log" 2>&1 \
	|| { tail -n 20 "$work/configure.log" >&2; lab_die "QEMU configure failed, see $work/configure.log"; }
make -C "$work/build" -j"$(( $(nproc) + 1 ))" > "$work/build.log" 2>&1 \
	|| { grep -E 'error' "$work/build.log" | head -n 20 >&2; lab_die "QEMU build failed, see $work/build.log"; }
make -C "$work/build" install > "$work/install.log" 2>&1 || lab_die "QEMU install failed, see $work/install.log"
rm -rf "$work"
echo "$out/bin"
