#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install everything the testbed needs, from Debian packages only, into the
# iommu-lab cache (${XDG_CACHE_HOME:-~/.cache}/iommu-lab), keyed so a second run
# reuses it:
#   - host build tools (system apt: compilers, autotools, libpci-dev, cross gcc)
#   - QEMU 10.0 and its firmware from bookworm-backports, unpacked into the cache
#   - linux-source-7.3 from trixie-backports (an all-architecture source tarball)
#   - each guest's userland (bash, busybox, libpci, fio) and the arm64 build sysroot
# Extra suites and architectures go through a private apt configuration
# (scripts/testbed/apt.sh); the host's own apt setup is never changed.
#
#   setup.sh [--arch x86_64|arm64|all]   install (default: all)
#   setup.sh --print-kernel-source        print the unpacked kernel source directory
#   setup.sh --print-qemu                 print the QEMU bin directory
#   setup.sh --print-sysroot              print the arm64 build sysroot
#   setup.sh --print-userland ARCH        print the unpacked guest userland
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$LAB_TOP/scripts/testbed/apt.sh"

QEMU_VERSION=${IOMMU_LAB_QEMU_VERSION:-1:10.0.2+ds-2+deb13u1~bpo12+1}
SEABIOS_VERSION=${IOMMU_LAB_SEABIOS_VERSION:-1.16.3-2~bpo12+1}
KERNEL_PKG=linux-source-7.3
GUEST_PKGS="bash busybox-static libpci3 pciutils fio"
# Only what the cross build links against; the C library comes with the cross compiler.
SYSROOT_PKGS="libpci3 libpci-dev libudev1 zlib1g"
HOST_PKGS="autoconf automake libtool pkg-config make gcc libc6-dev libpci-dev pciutils bc bison flex
 libelf-dev libssl-dev cpio xz-utils gzip kmod rsync dwarves gcc-aarch64-linux-gnu libc6-dev-arm64-cross
 libaio1 libcapstone4 libfdt1 libfuse3-3 libibverbs1 libpmem1 librdmacm1 libslirp0 liburing2
 libvdeplug2 libnuma1 libbpf1 libjpeg62-turbo libpixman-1-0 libpng16-16 libsasl2-2 libseccomp2
 libglib2.0-0 libgnutls30 fio gnuplot-nox"

ksrc_dir() { echo "$IOMMU_LAB_CACHE/src/$KERNEL_PKG"; }
qemu_dir() { echo "$IOMMU_LAB_CACHE/qemu/$(echo "$QEMU_VERSION-$SEABIOS_VERSION" | tr ':~+' '___')"; }
sysroot_dir() { echo "$IOMMU_LAB_CACHE/sysroot/arm64-$(echo "$SYSROOT_PKGS" | sha256sum | cut -c1-8)"; }
userland_dir() { echo "$IOMMU_LAB_CACHE/userland/$1-$(echo "$GUEST_PKGS" | sha256sum | cut -c1-8)"; }

case "${1:-}" in
--print-kernel-source) ksrc_dir; exit 0 ;;
--print-qemu) echo "$(qemu_dir)/usr/bin"; exit 0 ;;
--print-sysroot) sysroot_dir; exit 0 ;;
--print-userland) a=$(lab_arch_norm "${2:-}") || lab_die "--print-userland x86_64|arm64"; echo "$(userland_dir "$a")/root"; exit 0 ;;
esac
arches="x86_64 arm64"
if [ "${1:-}" = --arch ]; then
	case "${2:-}" in all) ;; *) arches=$(lab_arch_norm "${2:-}") || lab_die "unknown --arch '${2:-}'";; esac
fi

install_host_packages() {
	local missing="" p
	for p in $HOST_PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || lab_die "missing Debian packages:$missing (run this as root, or: sudo apt-get install$missing)"
	lab_log "installing host packages:$missing"
	apt-get update -q >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2
}

setup_apt() {
	lab_apt_config bookworm-bpo "bookworm bookworm-updates bookworm-backports" "amd64 arm64"
	lab_apt_config trixie "trixie trixie-backports" "amd64"
	lab_apt_config guest-x86_64 "bookworm bookworm-updates" "amd64"
	lab_apt_config guest-arm64 "bookworm bookworm-updates" "arm64"
	local n; for n in bookworm-bpo trixie guest-x86_64 guest-arm64; do lab_apt_update "$n"; done
}

# unpack_debs CONFIG DEST PKG... : download PKGs (exact names) and dpkg -x them into DEST
unpack_debs() {
	local cfg=$1 dest=$2 dl; shift 2
	dl="$LAB_APT_DIR/$cfg/debs"; mkdir -p "$dl" "$dest"
	(cd "$dl" && lab_apt "$cfg" download "$@" >&2)
	local p f; for p in "$@"; do
		f=$(ls -t "$dl/${p%%[:/=]*}"_*.deb | head -n1)
		dpkg-deb -x "$f" "$dest"
	done
}

install_qemu() {
	local d; d=$(qemu_dir)
	[ -f "$d/.done" ] && return 0
	lab_log "unpacking QEMU $QEMU_VERSION into $d"
	rm -rf "$d"
	unpack_debs bookworm-bpo "$d" "qemu-system-x86=$QEMU_VERSION" "qemu-system-arm=$QEMU_VERSION" \
		"qemu-system-common=$QEMU_VERSION" "qemu-system-data=$QEMU_VERSION" \
		"seabios=$SEABIOS_VERSION"
	# The packages point at firmware through absolute links into /usr/share; keep them in the cache.
	cp -L "$d/usr/share/seabios/"*.bin "$d/usr/share/qemu/" 2>/dev/null || true
	local miss; miss=$(ldd "$d/usr/bin/qemu-system-x86_64" "$d/usr/bin/qemu-system-aarch64" | grep 'not found' || true)
	[ -z "$miss" ] || lab_die "QEMU needs libraries that are not installed:"$'\n'"$miss"
	touch "$d/.done"
}

install_kernel_source() {
	local d ver; d=$(ksrc_dir)
	ver=$(APT_CONFIG="$LAB_APT_DIR/trixie/apt.conf" apt-cache policy "$KERNEL_PKG" | awk '/Candidate:/{print $2}')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || lab_die "$KERNEL_PKG not found in trixie-backports"
	[ -f "$d/.lab-version" ] && [ "$(cat "$d/.lab-version")" = "$KERNEL_PKG $ver" ] && return 0
	lab_log "unpacking $KERNEL_PKG $ver (about a minute)"
	local tmp="$IOMMU_LAB_CACHE/src/.deb"; rm -rf "$tmp" "$d"; mkdir -p "$tmp"
	unpack_debs trixie "$tmp" "$KERNEL_PKG=$ver"
	tar -C "$IOMMU_LAB_CACHE/src" -xaf "$tmp/usr/src/$KERNEL_PKG.tar.xz"
	rm -rf "$tmp"
	echo "$KERNEL_PKG $ver" > "$d/.lab-version"
}

# The guest userland: the dependency closure of GUEST_PKGS for the guest's
# architecture, computed by apt against an empty package database.
install_guest_userland() {
	local arch=$1 cfg="guest-$1" d
	d=$(userland_dir "$arch")
	[ -f "$d/.done" ] && return 0
	lab_log "unpacking the $arch guest userland ($GUEST_PKGS)"
	rm -rf "$d"; mkdir -p "$d/root"
	lab_apt "$cfg" -o Dir::State::status="$LAB_APT_DIR/$cfg/status" -o Debug::NoLocking=1 \
		install --download-only -y $GUEST_PKGS >&2
	local f; for f in "$LAB_APT_DIR/$cfg/cache/archives/"*.deb; do dpkg-deb -x "$f" "$d/root"; done
	touch "$d/.done"
}

# arm64 headers and libraries that the cross build of lib/ and tests/ links against.
install_sysroot() {
	local d; d=$(sysroot_dir)
	[ -f "$d/.done" ] && return 0
	lab_log "unpacking the arm64 build sysroot"
	rm -rf "$d"
	unpack_debs guest-arm64 "$d" $SYSROOT_PKGS
	touch "$d/.done"
}

install_host_packages
setup_apt
install_qemu
install_kernel_source
for a in $arches; do
	install_guest_userland "$a"
	[ "$a" = arm64 ] && install_sysroot
done
lab_log "testbed packages ready in $IOMMU_LAB_CACHE"
