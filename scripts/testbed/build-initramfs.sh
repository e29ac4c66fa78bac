#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Pack a testbed guest's initramfs: the suite's staging directory, the guest
# init, a config file, and from the unpacked Debian userland only the programs
# the guest runs plus the shared libraries they need (ELF closure via readelf).
# With MODULES_DIR (a tree holding lib/modules/<release>/ with its
# modules.dep, as kernel-deb.sh unpacks a Debian kernel), the modules the
# runner loads (vfio-pci and what it needs, dma_map_benchmark where it
# exists), the nvme driver the runner gives NVMe functions back to, minix
# (runner_nvme mounts a small minix filesystem) and the virtio console the
# guest streams its results through go in too, decompressed, with their own
# modules.dep.
#   build-initramfs.sh ARCH STAGE_DIR CONF_FILE OUT.cpio.gz [MODULES_DIR]
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
arch=$(lab_arch_norm "${1:-}") || lab_die "usage: build-initramfs.sh ARCH STAGE CONF OUT [MODULES_DIR]"
stage=${2:?}; conf=${3:?}; out=${4:?}; mods=${5:-}
GUEST_MODULES="virtio_pci virtio_console vfio-pci vfio_iommu_type1 iommufd dma_map_benchmark nvme minix"
userland=$("$LAB_TOP/scripts/testbed/setup.sh" --print-userland "$arch")
[ -x "$userland/bin/busybox" ] || lab_die "guest userland missing in $userland (run scripts/testbed/setup.sh)"
triplet=$(lab_gnu_triplet "$arch")
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT

# Programs taken from the Debian userland (the rest of the tools are busybox applets).
progs=(bin/busybox bin/bash usr/bin/lspci usr/bin/fio)

copy_from_userland() {	# relative path, following symlinks within the userland
	local rel=$1
	[ -e "$root/$rel" ] && return 0
	mkdir -p "$root/$(dirname "$rel")"
	cp -a "$userland/$rel" "$root/$rel"
	if [ -L "$userland/$rel" ]; then
		local t; t=$(readlink "$userland/$rel")
		case "$t" in /*) copy_from_userland "${t#/}" ;; *) copy_from_userland "$(dirname "$rel")/$t" ;; esac
	fi
}

# find_lib LIB ELF: LIB's path in the userland, by the ELF's RUNPATH then the default dirs
find_lib() {
	local d dirs
	dirs=$(readelf -d "$2" 2>/dev/null | sed -n 's/.*PATH).*\[\(.*\)\]/\1/p' | tr ':' ' ')
	for d in $dirs "/lib/$triplet" "/usr/lib/$triplet" /lib /usr/lib; do
		d=${d//\$ORIGIN/$(dirname "${2#"$userland"}")}
		[ -e "$userland/${d#/}/$1" ] && { echo "${d#/}/$1"; return 0; }
	done
	return 1
}

# needed FILE: the NEEDED libraries and the program interpreter of an ELF file
needed() {
	readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
	readelf -l "$1" 2>/dev/null | sed -n 's/.*\[Requesting program interpreter: \/\(.*\)\]/\1/p'
}

declare -A seen
closure() {	# file (absolute) to scan
	local lib rel
	for lib in $(needed "$1"); do
		[ -n "${seen[$lib]:-}" ] && continue
		seen[$lib]=1
		case "$lib" in */*) rel=$lib ;; *) rel=$(find_lib "$lib" "$1") || lab_die "$lib (needed by $1) not in the $arch userland" ;; esac
		copy_from_userland "$rel"
		closure "$userland/$rel"
	done
}

for p in "${progs[@]}"; do copy_from_userland "$p"; closure "$userland/$p"; done
cp -a "$stage/." "$root/"
while IFS= read -r -d '' f; do
	head -c4 "$f" | grep -q ELF && closure "$f"
done < <(find "$stage" -type f -perm -u+x -print0)

# add_modules DIR: GUEST_MODULES that DIR's kernel has as modules, with their
# dependencies; a module built in or absent is simply not there.
add_modules() {
	local dir=$1 rel m f n=0
	rel=$(ls "$dir/lib/modules")
	[ "$(echo "$rel" | wc -l)" = 1 ] || lab_die "$dir/lib/modules must hold one kernel release"
	for m in $GUEST_MODULES; do
		{ modprobe -d "$dir" -S "$rel" --show-depends "$m" 2> /dev/null || true; } | sed -n 's/^insmod \([^ ]*\).*/\1/p'
	done | awk '!seen[$0]++' | while IFS= read -r f; do
		local dest="$root/lib/modules/$rel/${f#"$dir/lib/modules/$rel/"}"
		mkdir -p "$(dirname "$dest")"
		case "$f" in
		*.ko.xz) xz -dc "$f" > "${dest%.xz}" ;;
		*.ko.zst) zstd -qdc "$f" > "${dest%.zst}" ;;
		*.ko.gz) gzip -dc "$f" > "${dest%.gz}" ;;
		*) cp "$f" "$dest" ;;
		esac
	done
	cp "$dir/lib/modules/$rel"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$rel/" 2> /dev/null || true
	depmod -b "$root" "$rel" || lab_die "depmod for the guest's modules failed"
	n=$(find "$root/lib/modules/$rel" -name '*.ko' | wc -l)
	lab_log "initramfs: $n modules of $rel ($GUEST_MODULES and their dependencies, where modular)"
}

mkdir -p "$root"/{proc,sys,dev,tmp,run,etc/iommu-lab,bin,sbin,usr/bin,usr/sbin}
[ -z "$mods" ] || add_modules "$mods"
install -m 0755 "$LAB_TOP/scripts/testbed/guest-init.sh" "$root/init"
install -m 0644 "$conf" "$root/etc/iommu-lab/testbed.conf"
(cd "$root" && find . -print0 | cpio --null -o -H newc --owner 0:0 2>/dev/null) | gzip -1 > "$out"
