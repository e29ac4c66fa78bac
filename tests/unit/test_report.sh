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
h="$tmp/r/report.html"
[ -s "$h" ] && [ -s "$tmp/r/report.md" ] || fail "report.html and report.md"
grep -Eiq '(src|href)="?(https?:)?//' "$h" && fail "report.html fetches something"
grep -q "boom: the register reads 0" "$h" || fail "FAIL reason in the report"
grep -q "no SMMUv3 IOMMU on this platform" "$h" || fail "SKIP reason in the report"
grep -q "mock (software: CPU, not DMA)" "$h" || fail "software engine labelled"
grep -q "Guests side by side" "$tmp/rep/report.md" || fail "vm report compares guests"
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
