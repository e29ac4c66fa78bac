#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Pack a testbed guest's initramfs: the suite's staging directory, the guest
# init, a config file, and from the unpacked Debian userland only the programs
# the guest runs plus the shared libraries they need (ELF closure via readelf).
#   build-initramfs.sh ARCH STAGE_DIR CONF_FILE OUT.cpio.gz
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
arch=$(lab_arch_norm "${1:-}") || lab_die "usage: build-initramfs.sh ARCH STAGE CONF OUT"
stage=${2:?}; conf=${3:?}; out=${4:?}
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

mkdir -p "$root"/{proc,sys,dev,tmp,run,etc/iommu-lab,bin,sbin,usr/bin,usr/sbin}
install -m 0755 "$LAB_TOP/scripts/testbed/guest-init.sh" "$root/init"
install -m 0644 "$conf" "$root/etc/iommu-lab/testbed.conf"
(cd "$root" && find . -print0 | cpio --null -o -H newc --owner 0:0 2>/dev/null) | gzip -1 > "$out"
