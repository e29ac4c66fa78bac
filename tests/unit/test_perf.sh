#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# iommu-lab perf on this host: its argument checks, and the JSON flattener it
# reads fio's output with, `iommu-lab-results --flat` (the part of perf that
# runs without a test device).
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
export IOMMU_LAB_BUILD=$(cd "${top_builddir:-.}" && pwd)
lab="$top_srcdir/scripts/iommu-lab"
results="$IOMMU_LAB_BUILD/tools/iommu-lab-results"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
status() { "$@" > "$tmp/out" 2>&1; echo $?; }

# Bad arguments: exit 2 with the option named, before anything is bound.
for a in "--modes bogus" "--modes strict,," "--runtime 0" "--runtime 601" "--runtime x" "--jobs /nonexistent" \
	 "--filter x" "--timeout 9" "--io"; do
	# shellcheck disable=SC2086
	[ "$(status "$lab" perf $a)" = 2 ] || fail "perf $a must exit 2"
	grep -q "error: .*${a%% *}" "$tmp/out" || { cat "$tmp/out"; fail "perf $a: the message names the option"; }
done
[ "$(status "$lab" perf --io 0000:zz:00.0)" = 2 ] || fail "a malformed --io must exit 2"
[ "$(status "$lab" perf --help)" = 0 ] && grep -q -- "--modes LIST" "$tmp/out" || fail "perf --help"

# The flattener: fio's notes before the JSON skipped, nested paths, escapes.
"$results" --flat "$top_srcdir/tests/unit/data/fio-sample.json" > "$tmp/flat" || fail "--flat refused fio's output"
get() { awk -F '\t' -v p="$1" '$1 == p { print $2; exit }' "$tmp/flat"; }
[ "$(get 'fio version')" = fio-3.33 ] || fail "top-level key"
[ "$(get jobs.0.jobname)" = read-4k ] || fail "array element member"
[ "$(get jobs.0.read.bw_bytes)" = 13981013 ] || fail "nested number"
[ "$(get jobs.0.read.iops)" = 3413.333333 ] || fail "decimal"
[ "$(get jobs.0.read.clat_ns.percentile.99.900000)" = 1286144 ] || fail "a key with dots"
[ "$(get jobs.0.write.bw_bytes)" = 0 ] || fail "the second direction"
[ "$(get 'jobs.0.job options.note')" = 'a "quoted" word' ] || fail "escaped quotes"
[ "$(wc -l < "$tmp/flat")" = 19 ] || { cat "$tmp/flat"; fail "one line per scalar"; }
[ "$(status "$results" --flat /nonexistent)" = 1 ] || fail "--flat of a missing file must exit 1"
echo '{"a": [1,' > "$tmp/broken.json"
[ "$(status "$results" --flat "$tmp/broken.json")" = 1 ] || fail "--flat of broken JSON must exit 1"
echo "PASS: perf arguments and the fio JSON flattener"
