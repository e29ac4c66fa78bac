#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# iommu-lab compare and report on the runs in data/report-{a,b,c}: A the
# baseline, B with a PASS turned FAIL, a throughput drop beyond both spreads,
# a drop within them (not a change) and a latency improvement; C another platform.
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
export IOMMU_LAB_BUILD=$(cd "${top_builddir:-.}" && pwd)
lab="$top_srcdir/scripts/iommu-lab"
data="$top_srcdir/tests/unit/data"
a="$data/report-a" b="$data/report-b" c="$data/report-c"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; cat "$tmp/out"; exit 1; }
status() { "$@" > "$tmp/out" 2>&1; echo $?; }
# The fixture runs, to check that nothing writes into them.
snapshot() { find "$data" -printf "%p %s %T@\n" | sort | md5sum; }
before=$(snapshot)

# compare: the exit status git bisect run reads
[ "$(status "$lab" compare "$a" "$a")" = 0 ] || fail "a run against itself: no regression"
[ "$(status "$lab" compare "$a" "$b")" = 1 ] || fail "A -> B is a regression"
grep -q "REGRESSION caps_x.two: PASS -> FAIL (boom: the register reads 0)" "$tmp/out" || fail "verdict change with B's reason"
grep -q "REGRESSION bench_t.dma.rid_4k 4k.rid_mib_per_s: 1000 \[980..1020\] -> 800 \[790..810\] MiB/s (-20.0%, worse)" "$tmp/out" \
	|| fail "throughput drop beyond the spread"
grep -q "rid_64k" "$tmp/out" && fail "a change within the spread must not be flagged"
grep -q "better     bench_t.map.latency map_4k_p99: 20 -> 10 us (-50.0%, better)" "$tmp/out" || fail "latency improvement"
grep -q "REGRESSION bench_t.map" "$tmp/out" && fail "lower latency is no regression"
[ "$(status "$lab" compare "$a" "$b" --metrics-only)" = 1 ] || fail "--metrics-only: the throughput drop"
grep -q "caps_x.two" "$tmp/out" && fail "--metrics-only lists verdicts"
[ "$(status "$lab" compare "$a" "$b" --verdicts-only)" = 1 ] || fail "--verdicts-only: PASS -> FAIL"
grep -q "rid_mib_per_s" "$tmp/out" && fail "--verdicts-only lists metrics"
[ "$(status "$lab" compare "$a" "$b" --metrics-only --threshold 60)" = 1 ] || fail "ranges on both sides: no threshold"

# vm layout: guests matched by name
mkdir -p "$tmp/va" "$tmp/vb"
cp -r "$a" "$tmp/va/x86_64" && cp -r "$a" "$tmp/vb/x86_64" && cp -r "$b" "$tmp/vb/x86_64-ss"
[ "$(status "$lab" compare "$tmp/va" "$tmp/vb")" = 0 ] || fail "vm dirs, same x86_64 guest"
grep -q "guest x86_64-ss: only in RUN_B" "$tmp/out" || fail "a guest only in B is named"
cp -r "$b" "$tmp/va/x86_64-ss" && cp -r "$a" "$tmp/va/x86_64-ss2"
rm -rf "$tmp/vb/x86_64-ss" && cp -r "$b" "$tmp/vb/x86_64-ss2"
[ "$(status "$lab" compare "$tmp/va" "$tmp/vb")" = 1 ] || fail "vm dirs: guest x86_64-ss2 regressed"

# cannot compare: 125 (git bisect run: skip); usage: 2
[ "$(status "$lab" compare "$a" "$c")" = 125 ] || fail "different platforms"
grep -q "different platforms (x86_64-vtd in RUN_A, arm64-smmuv3 in RUN_B)" "$tmp/out" || fail "platform message"
[ "$(status "$lab" compare "$a" "$tmp/none")" = 125 ] || fail "missing run"
grep -q "RUN_B: $tmp/none/results.jsonl not found" "$tmp/out" || fail "missing run message"
mkdir -p "$tmp/bad" && echo '{"id":"x","verdict":"PASS"' > "$tmp/bad/results.jsonl"
[ "$(status "$lab" compare "$a" "$tmp/bad")" = 125 ] || fail "broken JSON"
grep -q "results.jsonl:1:" "$tmp/out" || fail "broken JSON message names the line"
[ "$(status "$lab" compare "$a" "$tmp/va")" = 125 ] || fail "a run against guests"
[ "$(status "$lab" compare "$a")" = 2 ] || fail "one run only: usage"
[ "$(status "$lab" compare "$a" "$b" --threshold x)" = 2 ] || fail "bad --threshold: usage"

# report: self-contained HTML with every FAIL and SKIP reason; nothing else written
[ "$(status "$lab" report "$tmp/vb" --out "$tmp/rep")" = 0 ] || fail "report of vm dirs"
[ "$(status "$lab" report "$b" --out "$tmp/r")" = 0 ] || fail "report"
[ "$(snapshot)" = "$before" ] || fail "report or compare wrote into the run"
h="$tmp/r/report.html" m="$tmp/r/report.md"
[ -s "$h" ] && [ -s "$m" ] || fail "report.html and report.md"
grep -Eiq '(src|href)="?(https?:)?//' "$h" && fail "report.html fetches something"
grep -q "boom: the register reads 0" "$h" || fail "FAIL reason in the report"
grep -q "no SMMUv3 IOMMU on this platform" "$h" || fail "SKIP reason in the report"
grep -q "mock (software: CPU, not DMA)" "$h" || fail "software engine labelled"

# What a lab reads first comes first: in_order FILE TEXT... fails unless each
# TEXT is on a line of FILE after the line of the one before it.
in_order() {
	local f=$1 prev=0 n t
	shift
	for t; do
		n=$(grep -nF -m1 -- "$t" "$f" | cut -d: -f1)
		[ -n "$n" ] && [ "$n" -gt "$prev" ] || { cp "$f" "$tmp/out"; fail "${f##*/}: '$t' missing or before line $prev"; }
		prev=$n
	done
}
in_order "$m" "kernel 7.3.5, platform x86_64-vtd" "## Verdicts by area" "| caps | 1 PASS, **1 FAIL**, 1 SKIP |" \
	"## Failures" "| caps_x.two | FAIL | - | boom: the register reads 0 |" "## Skips by reason" \
	"| 1 | no SMMUv3 IOMMU on this platform | caps_x.smmu_only |" "## Plots" "## Details" "range of the repeats"
in_order "$h" "<li>run 20260102T000000Z-x86_64-vtd: kernel 7.3.5" "<h2>Verdicts by area</h2>" \
	'<td>caps</td><td class="bad">1 PASS, <span class="v-bad">1 FAIL</span>, 1 SKIP</td>' \
	"<h2>Failures</h2>" "<h2>Skips by reason</h2>" "<h2>Plots</h2>" "<h2>Details</h2>" "range of the repeats"
grep -q '<td>testdev</td><td>1 PASS</td>' "$h" || fail "an area without failures is not highlighted"
# guests: a column each, their kernels, a failure names its guest, a reason common to all says so
m="$tmp/rep/report.md"
in_order "$m" "- **x86_64**: kernel 7.3.4," "- **x86_64-ss2**: kernel 7.3.5," "| area | x86_64 | x86_64-ss2 |" \
	"| caps | 2 PASS, 1 SKIP | 1 PASS, **1 FAIL**, 1 SKIP |" "| caps_x.two | x86_64-ss2 | FAIL | - | boom: the register reads 0 |" \
	"| 2 | no SMMUv3 IOMMU on this platform | all | caps_x.smmu_only |" "## Details" "### Throughput and latency by guest"
grep -q "1 test failed, timed out or went unrun\*\*, in x86_64-ss" "$m" || fail "the run's verdict in a sentence"

# long parts of the page are folded: 14 skip reasons, 13 figures
mkdir -p "$tmp/long"
for i in $(seq 14); do
	printf '{"id":"caps_y.t%d","program":"caps_y","test":"t%d","verdict":"SKIP","reason":"lack %d","engine":null,"platform":"x86_64-vtd","kernel":"6.12.9","run_id":"r","duration_ms":1,"metrics":[]}\n' "$i" "$i" "$i"
done > "$tmp/long/results.jsonl"
printf '{"id":"bench_y.many","program":"bench_y","test":"many","verdict":"PASS","reason":null,"engine":null,"platform":"x86_64-vtd","kernel":"6.12.9","run_id":"r","duration_ms":1,"metrics":[%s]}\n' \
	"$(for i in $(seq 13); do printf '{"name":"n%d","value":%d,"unit":"count"},' "$i" "$i"; done | sed 's/,$//')" >> "$tmp/long/results.jsonl"
[ "$(status "$lab" report "$tmp/long" --out "$tmp/rl")" = 0 ] || fail "report of a long run"
in_order "$tmp/rl/report.html" "kernel 6.12.9" "<td>lack 12</td>" "<details><summary>2 more reasons (2 skips, at most 1 each)</summary>" "<td>lack 13</td>" \
	"<td>lack 14</td>" "<h2>Plots</h2>" "<details><summary>Metrics of 1 tests (13 figures)</summary>" "<td>n13</td>"
grep -q "<summary>" "$tmp/rl/report.md" && fail "report.md folds nothing"
if ! command -v gnuplot > /dev/null; then
	grep -q "gnuplot is not installed" "$h" || fail "report says why it has no plots"
	echo "test_report: gnuplot-nox is not installed: plots not checked"
	exit 77
fi
[ "$(grep -c '<svg' "$h")" = 2 ] || fail "report.html inlines the throughput and the latency plot"
grep -q '<?xml' "$h" && fail "SVG prologue left inside the HTML"
ls "$tmp/r"/report-run-throughput-MiB_s.svg "$tmp/r"/report-run-latency-us-bench_t.svg > /dev/null || fail "SVG files next to report.md"
grep -q '](report-run-latency-us-bench_t.svg)' "$tmp/r/report.md" || fail "report.md links the plots"
echo "test_report: all checks passed"
