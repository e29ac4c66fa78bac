#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build a developer's kernel tree (a git work tree, given by path) for a
# testbed guest: out of tree, their configuration (or tinyconfig) with the
# suite's fragments merged (scripts/testbed/kbuild.sh, as build-kernel.sh).
#   kernel-tree.sh ARCH DIR [--config FILE] [--print-dir]
# Prints a directory with the layout build-kernel.sh and kernel-deb.sh give
# (kernel.img, build/ for external modules, uapi/, modules/ when the kernel
# has modules), for the tree's current source state.
#
# One directory per (tree, arch, config) under $IOMMU_LAB_CACHE/trees/:
#   obj/              the build directory, reused by every build (make only
#                     rebuilds what changed since the last one: incremental
#                     across the commits of a bisection)
#   images/<key>/     what one source state gave: kernel.img, build/ (the
#                     kbuild files an external module needs, copied from obj/:
#                     obj/ moves on to other commits), uapi/, modules/, source.txt
#   kernel.img build modules -> images/<current key>/...
#   uapi -> uapi.current/, the current image's uapi/ (files replaced only
#                     when their content changed: the suite is not rebuilt for nothing)
# <key> hashes the tree's HEAD commit, `git diff HEAD` (uncommitted changes),
# its untracked files, the fragments, the configuration and the build scripts:
# when images/<key>/ exists, nothing is built at all.
# --print-dir prints that directory and builds nothing. IOMMU_LAB_JOBS sets make's -j.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$LAB_TOP/scripts/testbed/kbuild.sh"
usage="usage: kernel-tree.sh x86_64|arm64 DIR [--config FILE] [--print-dir]"
arch=$(lab_arch_norm "${1:-}") || lab_die "$usage"
[ -n "${2:-}" ] || lab_die "$usage"
tree=$(cd "$2" 2>/dev/null && pwd) || lab_die "--kernel-tree: no directory '$2'"
shift 2
config="" print_dir=0
while [ $# -gt 0 ]; do
	case "$1" in
	--config) [ -f "${2:-}" ] || lab_die "--config: no file '${2:-}'"; config=$(realpath "$2"); shift 2 ;;
	--print-dir) print_dir=1; shift ;;
	*) lab_die "$usage" ;;
	esac
done
[ -f "$tree/Makefile" ] && [ -f "$tree/Kconfig" ] || lab_die "--kernel-tree: $tree is not a kernel source tree"
git -C "$tree" rev-parse --verify -q HEAD > /dev/null ||
	lab_die "--kernel-tree: $tree is not a git work tree with a commit (the cache is keyed by its HEAD)"
# Kbuild refuses an out-of-tree build of a tree configured in place.
[ ! -f "$tree/.config" ] && [ ! -d "$tree/include/config" ] ||
	lab_die "--kernel-tree: $tree has an in-tree configuration (.config); the testbed builds out of tree: run 'make mrproper' there first"

# The directory of this (tree, arch, config): named for people, hashed for uniqueness.
cfg_id=$( { [ -n "$config" ] && cat "$config" || echo tinyconfig; } | sha256sum | cut -c1-8)
dir="$IOMMU_LAB_CACHE/trees/$(basename "$tree")-$(echo "$tree" | sha256sum | cut -c1-8)-$arch-$cfg_id"
[ $print_dir = 0 ] || { echo "$dir"; exit 0; }
mkdir -p "$dir/images"
exec 9> "$dir/.lock"
flock 9 || lab_die "cannot lock $dir"

# The source state: HEAD, the uncommitted changes and the untracked files.
head=$(git -C "$tree" rev-parse HEAD)
key=$( {
	echo "HEAD $head"
	git -C "$tree" diff HEAD --binary
	git -C "$tree" ls-files -z --others --exclude-standard |
		(cd "$tree" && xargs -0 -r sha256sum)
	read -r -a frags <<< "$(lab_kbuild_fragments "$arch")"
	cat "${frags[@]}"
	[ -n "$config" ] && cat "$config" || echo tinyconfig
	cat "$0" "$LAB_TOP/scripts/testbed/kbuild.sh"
} | sha256sum | cut -c1-12)
img="$dir/images/$key"
dirty=$(git -C "$tree" status --porcelain --untracked-files=normal | wc -l)
state="$(git -C "$tree" log -1 --format='%h %s' HEAD)$([ "$dirty" = 0 ] || echo " + $dirty uncommitted change(s)")"

if [ -f "$img/.done" ]; then
	lab_log "kernel tree $tree ($arch): reusing the image of $state ($img)"
else
	t0=$(date +%s)
	lab_log "kernel tree $tree ($arch): building $state in $dir/obj (incremental)"
	rm -rf "$img"; mkdir -p "$img"
	lab_kbuild_init "$arch" "$tree" "$dir/obj"
	lab_kbuild_config "$img/config.log" "$config"
	lab_kbuild_all "$img/build.log"
	lab_kbuild_headers "$img/uapi" "$img/headers.log"
	cp "$dir/obj/$LAB_KIMAGE" "$img/kernel.img"
	if [ -s "$dir/obj/modules.order" ]; then
		"${LAB_KMAKE[@]}" modules_install INSTALL_MOD_PATH="$img/modules" > "$img/modules.log" 2>&1 ||
			lab_die "modules_install failed, see $img/modules.log"
	fi
	# What an external module needs (as a distribution's headers package
	# has it); the source is the tree itself, in this same state whenever
	# this image is used (the key says so).
	karch=$([ "$arch" = arm64 ] && echo arm64 || echo x86)
	paths=(.config Module.symvers include scripts "arch/$karch/include/generated")
	[ -x "$dir/obj/tools/objtool/objtool" ] && paths+=(tools/objtool/objtool)
	(cd "$dir/obj" && rsync -aR --exclude='*.o' --exclude='.*.cmd' --exclude='*.a' "${paths[@]}" "$img/build/") ||
		lab_die "copying the kbuild files to $img/build failed"
	printf '# generated by iommu-lab kernel-tree.sh\nexport KBUILD_OUTPUT = %s\ninclude %s/Makefile\n' \
		"$img/build" "$tree" > "$img/build/Makefile"
	ln -sfn "$tree" "$img/build/source"
	printf 'tree %s\ncommit %s\nstate %s\narch %s\nconfig %s\nbuild_s %s\n' "$tree" "$head" "$state" "$arch" \
		"${config:-tinyconfig}" "$(( $(date +%s) - t0 ))" > "$img/source.txt"
	touch "$img/.done"
	lab_log "kernel tree $tree ($arch): built in $(( $(date +%s) - t0 )) s"
fi

# The directory's current state. A module built against the previous image
# must be rebuilt: its build depends on these files' times.
if [ "$(readlink "$dir/current" 2>/dev/null)" != "images/$key" ]; then
	touch "$img/build/include/generated/utsrelease.h" "$img/build/Module.symvers" "$img/build/include/config/auto.conf"
	ln -sfn "images/$key" "$dir/current"
fi
for f in kernel.img build modules; do ln -sfn "current/$f" "$dir/$f"; done
# The suite's userland compiles against uapi/: a copy brought up to date by
# content (rsync -c), so that a commit which leaves the uAPI alone rebuilds
# none of it.
rsync -rlc --delete "$img/uapi/" "$dir/uapi.current/" || lab_die "updating $dir/uapi.current failed"
ln -sfn uapi.current "$dir/uapi"
echo "$dir"
