#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# iommu-lab-collect on recorded harness output: verdicts, records, engine
# labels, and what happens when a program dies half way.
set -eu
collect="${top_builddir:-.}/tools/iommu-lab-collect"
data="${top_srcdir:-.}/tests/unit/data"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A complete run: two failures among six tests.
rc=0
"$collect" --program prog --index 3 --platform x86_64-vtd --kernel 7.3 --run-id r1 \
	--list "$data/harness-sample.list" --ktap "$tmp/k" --json "$tmp/j" \
	< "$data/harness-sample.tap" || rc=$?
[ "$rc" = 1 ] || fail "exit status $rc, want 1 (tests failed)"
[ "$(wc -l < "$tmp/j")" = 6 ] || fail "want 6 JSON records, got $(wc -l < "$tmp/j")"
grep -q '"id":"prog.global.a","program":"prog","test":"global.a","verdict":"PASS"' "$tmp/j" || fail "global.a PASS"
grep -q '"test":"global.crash","verdict":"FAIL","reason":"crash: Test terminated unexpectedly by signal 11"' "$tmp/j" || fail "global.crash FAIL with its reason"
grep -q '"test":"f.two.b","verdict":"FAIL","reason":"t.c:9:b:Expected self->x (2) == 1 (1)"' "$tmp/j" \
	|| fail "a failure's reason is its first assertion message"
grep -q '"test":"f.one.c","verdict":"SKIP","reason":"feature X not set (x=1)"' "$tmp/j" || fail "skip reason kept"
grep -q '"platform":"x86_64-vtd","kernel":"7.3","run_id":"r1"' "$tmp/j" || fail "platform/kernel/run id"
grep -q '^not ok 3 prog$' "$tmp/k" || fail "parent KTAP line numbered by --index"
grep -q '^    ok 4 f.one.c # SKIP feature X not set (x=1)$' "$tmp/k" || fail "nested skip line"

# A program that died during f.one.c: that test FAILs, the rest are NOTRUN.
rc=0
"$collect" --program prog --list "$data/harness-sample.list" --json "$tmp/j2" --ktap "$tmp/k2" \
	< "$data/harness-truncated.tap" || rc=$?
[ "$rc" = 1 ] || fail "truncated run exit $rc"
grep -q '"test":"f.one.c","verdict":"FAIL","reason":"program ended during this test (crash?)"' "$tmp/j2" || fail "crash verdict"
for t in f.two.b f.two.c; do
	grep -q "\"test\":\"$t\",\"verdict\":\"NOTRUN\"" "$tmp/j2" || fail "$t NOTRUN"
done
grep -q '^    1..6$' "$tmp/k2" || fail "plan keeps all six tests"

# Killed by the runner's timeout: the running test is a TIMEOUT.
"$collect" --program prog --list "$data/harness-sample.list" --json "$tmp/j3" --ktap /dev/null \
	--killed-by-timeout < "$data/harness-truncated.tap" || true
grep -q '"test":"f.one.c","verdict":"TIMEOUT"' "$tmp/j3" || fail "timeout verdict"

# Records attach the engine and metrics to the test that printed them.
printf '%s\n' 'TAP version 13' '1..1' '#  RUN           dma.edu.pair ...' \
	'# lab-record engine {"name":"edu","kind":"emulated"}' \
	'# lab-record metric {"name":"rate","value":5,"unit":"1/s"}' \
	'# lab-record metric {"name":"bytes","value":4096,"unit":"B"}' \
	'ok 1 dma.edu.pair' | "$collect" --program p --json "$tmp/j4" --ktap /dev/null
grep -q '"engine":{"name":"edu","kind":"emulated"}' "$tmp/j4" || fail "engine record"
grep -q '"metrics":\[{"name":"rate","value":5,"unit":"1/s"},{"name":"bytes","value":4096,"unit":"B"}\]' "$tmp/j4" || fail "metrics"

# No plan at all (the program failed to start) is a failure, and bad usage is 2.
rc=0; echo "exec format error" | "$collect" --program p --ktap "$tmp/k5" > /dev/null || rc=$?
[ "$rc" = 1 ] || fail "no plan must fail"
rc=0; "$collect" --index 0 --program p < /dev/null 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "bad --index must be a usage error"
# A filtered run: only the planned tests are reported, never the rest of the program.
printf '%s\n' prog.f.one.b prog.f.one.c > "$tmp/plan"
printf '%s\n' 'TAP version 13' '1..1' '#  RUN           f.one.b ...' 'ok 1 f.one.b' |
	"$collect" --program prog --plan "$tmp/plan" --json "$tmp/j6" --ktap /dev/null || true
[ "$(wc -l < "$tmp/j6")" = 2 ] || fail "a plan of two gives two records, got $(wc -l < "$tmp/j6")"
grep -q '"test":"f.one.c","verdict":"NOTRUN"' "$tmp/j6" || fail "a planned test that did not run is NOTRUN"
grep -q '"test":"global.a"' "$tmp/j6" && fail "an unplanned test was reported"
echo "test_collect: all checks passed"
