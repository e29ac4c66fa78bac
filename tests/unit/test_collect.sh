#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# iommu-lab-collect on recorded harness output: verdicts, records, engine
# labels, and what happens when a program dies half way.
set -eu
collect="${top_builddir:-.}/tools/iommu-lab-collect"
results="${top_builddir:-.}/tools/iommu-lab-results"
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
"$collect" --program prog --list "$data/harness-sample.list" --json "$tmp/j3" --ktap "$tmp/discard" \
	--killed-by-timeout < "$data/harness-truncated.tap" || true
grep -q '"test":"f.one.c","verdict":"TIMEOUT"' "$tmp/j3" || fail "timeout verdict"

# The stream says which test starts, its id escaped as any string.
printf '%s\n' 'TAP version 13' '1..1' '#  RUN           a.q"uote ...' 'ok 1 a.q"uote' |
	"$collect" --program p --stream "$tmp/s" --ktap "$tmp/discard"
grep -qx '{"running":"p.a.q\\"uote"}' "$tmp/s" || fail "the running record"

# Records attach the engine and metrics to the test that printed them.
printf '%s\n' 'TAP version 13' '1..1' '#  RUN           dma.edu.pair ...' \
	'# lab-record engine {"name":"edu","kind":"emulated"}' \
	'# lab-record metric {"name":"rate","value":5,"unit":"1/s"}' \
	'# lab-record metric {"name":"bytes","value":4096,"unit":"B"}' \
	'ok 1 dma.edu.pair' | "$collect" --program p --json "$tmp/j4" --ktap "$tmp/discard"
grep -q '"engine":{"name":"edu","kind":"emulated"}' "$tmp/j4" || fail "engine record"
grep -q '"metrics":\[{"name":"rate","value":5,"unit":"1/s"},{"name":"bytes","value":4096,"unit":"B"}\]' "$tmp/j4" || fail "metrics"

# A record that is not one JSON object (a line cut short, two interleaved)
# is left out, said on stderr; the results stay readable.
printf '%s\n' 'TAP version 13' '1..1' '#  RUN           dma.edu.pair ...' \
	'# lab-record metric {"name":"a","value# lab-record metric {"name":"b","value":2,"unit":"B"}' \
	'# lab-record engine {"name":"edu\' '# lab-record metric {"name":"c","value":3,"unit":"B"}' \
	'ok 1 dma.edu.pair' | "$collect" --program p --json "$tmp/j7" --ktap "$tmp/discard" 2> "$tmp/e7"
"$results" "$tmp/j7" > /dev/null || fail "a broken lab-record made results.jsonl unreadable"
grep -q '"engine":null' "$tmp/j7" && grep -q '"metrics":\[{"name":"c","value":3,"unit":"B"}\]' "$tmp/j7" ||
	fail "broken lab-records must be left out, whole ones kept: $(cat "$tmp/j7")"
[ "$(grep -c 'not one JSON object' "$tmp/e7")" = 2 ] || fail "each broken lab-record is named on stderr"

# No plan at all (the program failed to start) is a failure, and bad usage is 2.
rc=0; echo "exec format error" | "$collect" --program p --ktap "$tmp/k5" > /dev/null || rc=$?
[ "$rc" = 1 ] || fail "no plan must fail"
rc=0; "$collect" --index 0 --program p < /dev/null 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "bad --index must be a usage error"
# A filtered run: only the planned tests are reported, never the rest of the program.
printf '%s\n' prog.f.one.b prog.f.one.c > "$tmp/plan"
printf '%s\n' 'TAP version 13' '1..1' '#  RUN           f.one.b ...' 'ok 1 f.one.b' |
	"$collect" --program prog --plan "$tmp/plan" --json "$tmp/j6" --ktap "$tmp/discard" || true
[ "$(wc -l < "$tmp/j6")" = 2 ] || fail "a plan of two gives two records, got $(wc -l < "$tmp/j6")"
grep -q '"test":"f.one.c","verdict":"NOTRUN"' "$tmp/j6" || fail "a planned test that did not run is NOTRUN"
grep -q '"test":"global.a"' "$tmp/j6" && fail "an unplanned test was reported"
# The scripts' writer and reader: a string with quotes, backslashes, line
# breaks, tabs, control characters and UTF-8 (é ✓ 𝄞) comes back byte for byte.
nasty=$'q"uote \\back\\slash \\n\nnew\r\nline\ttab \x01\x1b\x1f\x7f \xc3\xa9 \xe2\x9c\x93 \xf0\x9d\x84\x9e "}'
"$collect" --record id=p.t verdict=FAIL reason="$nasty" n:=-1.5e3 'engine:{' name=edu kind=emulated '}' \
	metrics:[ '{' name=rate value:=5 unit=1/s lo:=4 hi:=6 '}' ']' > "$tmp/rec" || fail "--record refused a valid record"
[ "$(wc -l < "$tmp/rec")" = 1 ] || fail "a record is one line"
"$results" --get reason -z "$tmp/rec" > "$tmp/back" || fail "--get -z"
printf '%s\0' "$nasty" | cmp -s - "$tmp/back" || fail "the reason did not round-trip"
[ "$("$results" --get n "$tmp/rec")" = -1.5e3 ] || fail "a number as written"
"$results" "$tmp/rec" > "$tmp/flat" || fail "a --record record breaks the schema"
grep -qx $'M\tp.t\trate\t5\t1/s\t4\t6' "$tmp/flat" || fail "the metric through the reader"
[ "$(cut -f 6,7 "$tmp/flat" | head -n1)" = $'edu\temulated' ] || fail "the engine through the reader"
printf '%s\n' "$nasty" | tr '\n' '\v' | "$collect" --record-each plan > "$tmp/plan" || fail "--record-each"
"$results" --get plan -z "$tmp/plan" | tr -d '\0' | tr '\v' '\n' > "$tmp/back"
printf '%s\n' "$nasty" | cmp -s - "$tmp/back" || fail "--record-each did not round-trip"
for bad in "n:=inf" "n:=0x10" "=x" "plain" "a:{" "}" "a:[ b=1 ]"; do
	# shellcheck disable=SC2086
	rc=0; "$collect" --record $bad > "$tmp/o" 2> /dev/null || rc=$?
	[ "$rc" = 2 ] && [ ! -s "$tmp/o" ] || fail "--record $bad must be refused with nothing written"
done

# Reading a guest's stream: records by key, a cut-off last line skipped, a
# broken line elsewhere refused.
{ "$collect" --record guest_userspace_s:=1.25; echo '{"plan":"p.a"}'; echo '{"plan":"p.b"}'
  echo '{"running":"p.a"}'; cat "$tmp/rec"; printf '{"running":"p.b","x'; } > "$tmp/stream"
[ "$("$results" --get plan "$tmp/stream" | tr '\n' ' ')" = "p.a p.b " ] || fail "--get of every record"
[ "$("$results" --get running "$tmp/stream")" = p.a ] || fail "the cut-off last line is skipped"
[ "$("$results" --select verdict "$tmp/stream")" = "$(cat "$tmp/rec")" ] || fail "--select gives the record's line"
echo '{"plan":' > "$tmp/broken"; echo '{"plan":"x"}' >> "$tmp/broken"
rc=0; "$results" --get plan "$tmp/broken" > /dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a broken line before the last is refused"
rc=0; "$results" --get engine "$tmp/rec" > /dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "--get of an object member is refused"
rc=0; "$results" --select plan -z "$tmp/rec" > /dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "-z without --get is a usage error"
echo "test_collect: all checks passed"
