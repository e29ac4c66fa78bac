#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Acceptance test of `iommu-lab bisect` (issue 19, docs/bisect.md): a small
# git repository made from the testbed's cached linux-source-7.3 (hard links,
# so it costs little disk), with two branches from a pristine commit:
#   verdict: 3 harmless commits (comments), one that makes VT-d skip the
#            IOTLB invalidation of an unmap when no page-table page was freed
#            (testdev_invalidation's dma_after_unmap_faults then sees DMA
#            through the stale entry), 3 more harmless ones;
#   metric:  the same around one that adds udelay(200) to every DMA-API unmap
#            (__iommu_dma_unmap), which testdev_io's unmap_ns_per_step shows.
# Both are bisected on the x86_64 guest; each must name its bad commit.
# The commits are made with fixed dates, so a second run finds the same
# hashes and reuses the cached images (kernel-tree.sh): warm, no kernel build.
#   tests/bisect/acceptance.sh [--only verdict|metric] [--out DIR]
# Exit status: 0 both bad commits named, 1 not, 2 could not run.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"
T="$LAB_TOP/scripts/testbed"
only="" out=""
while [ $# -gt 0 ]; do
	case "$1" in
	--only) [[ "${2:-}" =~ ^(verdict|metric)$ ]] || lab_die "--only verdict|metric"; only=$2; shift 2 ;;
	--out) [ -n "${2:-}" ] || lab_die "--out needs a directory"; out=$2; shift 2 ;;
	*) lab_die "usage: tests/bisect/acceptance.sh [--only verdict|metric] [--out DIR]" ;;
	esac
done
out=${out:-$LAB_TOP/results/$(date -u +%Y%m%dT%H%M%SZ)-bisect-acceptance}
mkdir -p "$out" && out=$(cd "$out" && pwd) || lab_die "cannot create $out"
src=$("$T/setup.sh" --print-kernel-source) || lab_die "testbed setup failed"
repo="$IOMMU_LAB_CACHE/bisect-acceptance/linux"
G=(git -C "$repo" -c user.name=iommu-lab -c user.email=acceptance@iommu-lab.invalid)
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"

# The repository, once per kernel source version: hard links to the cached
# source (git replaces a file it checks out, it never writes into one; and so
# do the edits below). Documentation/ is left out but for its Kconfig.
make_repo() {
	local tmp="$repo.tmp"
	rm -rf "$tmp"; mkdir -p "$(dirname "$repo")"
	cp -al "$src" "$tmp" || return 1
	find "$tmp/Documentation" -mindepth 1 -maxdepth 1 ! -name Kconfig -exec rm -rf {} +
	# Debian's packaging ignores everything at the top level.
	sed '/^# Debian packaging/,$d' "$tmp/.gitignore" > "$tmp/.gitignore.new" && mv "$tmp/.gitignore.new" "$tmp/.gitignore"
	git -C "$tmp" init -q && git -C "$tmp" symbolic-ref HEAD refs/heads/master && git -C "$tmp" add -A &&
		git -C "$tmp" -c user.name=iommu-lab -c user.email=acceptance@iommu-lab.invalid commit -q -m pristine &&
		git -C "$tmp" tag pristine || return 1
	cp "$src/.lab-version" "$tmp/.git/lab-version"
	mv "$tmp" "$repo"
}
if [ ! -d "$repo/.git" ] || ! cmp -s "$src/.lab-version" "$repo/.git/lab-version"; then
	lab_log "making the acceptance repository $repo from $src"
	rm -rf "$repo"
	t0=$(date +%s)
	make_repo || lab_die "making $repo failed"
	echo "repository $(( $(date +%s) - t0 ))" >> "$out/timings.txt"
fi

# Edits that replace the file (never write into a hard-linked one).
append_comment() {	# FILE TEXT
	{ cat "$repo/$1"; printf '/* %s */\n' "$2"; } > "$repo/$1.new" && mv "$repo/$1.new" "$repo/$1"
}
commit() { "${G[@]}" add -A && "${G[@]}" commit -q -m "$1"; }
harmless() {	# N: three comment-only commits in IOMMU files
	local f
	for f in drivers/iommu/iova.c drivers/iommu/intel/pasid.c drivers/iommu/iommu.c; do
		append_comment "$f" "acceptance: harmless change $1 ($f)"
		commit "harmless $1: a comment in $f" || return 1
		set -- "$(( $1 + 1 ))"
	done
}
bad_verdict() {
	local f=drivers/iommu/intel/iommu.c
	perl -0pe 's/(static void intel_iommu_tlb_sync\(.*?\n\{\n)\tcache_tag_flush_range\(/$1\tif (!iommu_pages_list_empty(&gather->freelist))\n\t\tcache_tag_flush_range(/s' \
		"$repo/$f" > "$repo/$f.new" && ! cmp -s "$repo/$f" "$repo/$f.new" && mv "$repo/$f.new" "$repo/$f" &&
		commit "iommu/vt-d: flush the IOTLB only when page-table pages were freed"
}
bad_metric() {
	local f=drivers/iommu/dma-iommu.c
	perl -0pe 's/(#include <linux\/device.h>\n)/$1#include <linux\/delay.h>\n/; s/(static void __iommu_dma_unmap\(.*?\n\tsize_t unmapped;\n\n)/$1\tudelay(200);\n/s' \
		"$repo/$f" > "$repo/$f.new" && [ "$(grep -c 'udelay(200)' "$repo/$f.new")" = 1 ] && mv "$repo/$f.new" "$repo/$f" &&
		commit "iommu/dma: wait 200 us in every unmap"
}
# branch NAME BADFN: the branch, made once; prints the bad commit.
branch() {
	local name=$1 bad
	if ! "${G[@]}" rev-parse -q --verify "refs/heads/$name" > /dev/null; then
		"${G[@]}" checkout -q -b "$name" pristine && harmless 1 && "$2" && harmless 4 ||
			{ "${G[@]}" checkout -q -f master; lab_die "making the branch $name failed"; }
		"${G[@]}" checkout -q master
	fi
	bad=$("${G[@]}" log --format=%H -1 --grep '^iommu/' "$name") && [ -n "$bad" ] || lab_die "no bad commit on $name"
	echo "$bad"
}
bad_v=$(branch verdict bad_verdict) && bad_m=$(branch metric bad_metric) || exit 2
"${G[@]}" checkout -q master

# A first build of the repository's tree costs as much as the testbed's own
# kernel: when the testbed's x86_64 build exists (same source, same
# configuration), the build directory starts as a copy of it, with the
# source path in its command files rewritten, and make rebuilds only what
# the commits change.
seed_build_dir() {
	local dir kdir
	dir=$("$T/kernel-tree.sh" x86_64 "$repo" --print-dir) || return 1
	[ -d "$dir/obj" ] && return 0
	kdir=$("$T/build-kernel.sh" x86_64) || return 1
	lab_log "seeding $dir/obj from $kdir/build"
	mkdir -p "$dir" && cp -a "$kdir/build" "$dir/obj.tmp" || return 1
	grep -rlI -e "$src" -e "$kdir/build" "$dir/obj.tmp" | while IFS= read -r f; do
		sed -i -e "s|$src|$repo|g" -e "s|$kdir/build|$dir/obj|g" "$f"
	done
	mv "$dir/obj.tmp" "$dir/obj"
}
seed_build_dir || lab_die "seeding the build directory failed"

status=0
run_case() {	# NAME BAD_COMMIT BISECT_ARGS...
	local name=$1 want=$2 t0 got
	shift 2
	t0=$(date +%s)
	lab_log "bisect ($name): expecting $(git -C "$repo" log -1 --format='%h %s' "$want")"
	"$LAB_TOP/scripts/iommu-lab" bisect --kernel-tree "$repo" --guest x86_64 --out "$out/$name" "$@" 2>&1 |
		tee "$out/$name.log"
	got=$(cat "$out/$name/first-bad" 2>/dev/null)
	echo "$name $(( $(date +%s) - t0 ))" >> "$out/timings.txt"
	if [ "$got" = "$want" ]; then
		echo "PASS: bisect $name named the bad commit $(git -C "$repo" log -1 --format='%h %s' "$want")"
	else
		echo "FAIL: bisect $name: wanted $want, got '${got:-nothing}' (see $out/$name)"
		status=1
	fi
	[ "$(git -C "$repo" rev-parse --abbrev-ref HEAD)" = master ] && [ -z "$(git -C "$repo" status --porcelain --untracked-files=no)" ] ||
		{ echo "FAIL: bisect $name left $repo elsewhere than a clean master"; status=1; }
}
[ "$only" = metric ] || run_case verdict "$bad_v" --good pristine --bad verdict --test 'testdev_invalidation.*'
[ "$only" = verdict ] || run_case metric "$bad_m" --good pristine --bad metric \
	--test 'testdev_io.io.edu.writes_read_back_through_the_dma_api' --metric unmap_ns_per_step --threshold 50
echo "timings (s):"; sed 's/^/  /' "$out/timings.txt"
exit $status
