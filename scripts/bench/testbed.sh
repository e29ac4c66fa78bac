#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Testbed figures (a benchmark, not a test: it prints numbers, asserts nothing):
#   cached setup   setup.sh + both guest kernels with a warm cache
#   cold setup     the same into an empty cache (--cold; downloads and builds
#                  everything; host packages are assumed installed)
#   boot-to-first-test, per arch: QEMU start to the first test starting in the
#                  guest (host clock, 20 ms polling), and the guest's own uptime
#                  when userspace started
#   scripts/bench/testbed.sh [--cold] [--runs N]
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
T="$LAB_TOP/scripts/testbed"
cold=0 runs=3
while [ $# -gt 0 ]; do
	case "$1" in
	--cold) cold=1; shift ;;
	--runs) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || lab_die "--runs needs a number"; runs=$2; shift 2 ;;
	*) lab_die "unknown argument '$1'" ;;
	esac
done
now() { date +%s.%N; }
secs() { printf '%.1f' "$(echo "$2 - $1" | bc)"; }

setup_all() {
	"$T/setup.sh" > /dev/null 2>&1 && "$T/build-kernel.sh" x86_64 > /dev/null && "$T/build-kernel.sh" arm64 > /dev/null
}

if [ $cold = 1 ]; then
	tmp=$(mktemp -d)
	t0=$(now); IOMMU_LAB_CACHE=$tmp setup_all || lab_die "cold setup failed"
	echo "cold setup (empty cache, both kernels): $(secs "$t0" "$(now)") s"
	rm -rf "$tmp"
fi
setup_all || lab_die "setup failed"	# make sure the cache is warm
t0=$(now); setup_all
echo "cached setup (setup.sh + both kernels): $(secs "$t0" "$(now)") s"
lab_host_tools	# reads the guests' records

for arch in x86_64 arm64; do
	for r in $(seq "$runs"); do
		out=$(mktemp -d)
		"$LAB_TOP/scripts/iommu-lab" vm --guest "$arch" --out "$out" -- --filter 'caps_kernel.*' > "$out/vm.out" 2>&1 &
		pid=$!
		first=""
		while kill -0 "$pid" 2>/dev/null; do
			if [ -z "$first" ] && [ -f "$out/$arch/qemu.start" ] &&
			   [ -n "$(lab_json_get running "$out/$arch/stream.jsonl" 2>/dev/null)" ]; then
				first=$(now)
			fi
			sleep 0.02
		done
		wait "$pid"
		start=$(cat "$out/$arch/qemu.start" 2>/dev/null)
		user=$(lab_json_get guest_userspace_s "$out/$arch/stream.jsonl" 2>/dev/null | head -n1)
		if [ -n "$first" ] && [ -n "$start" ]; then
			echo "$arch run $r: boot to first test $(secs "$start" "$first") s (guest userspace at ${user:-?} s uptime), whole guest $(lab_json_get wall_s "$out/$arch/vm.json") s"
		else
			echo "$arch run $r: no test started (see $out)"; continue
		fi
		rm -rf "$out"
	done
done
