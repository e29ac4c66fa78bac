#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The runner on this host: argument validation, the results layout, --filter,
# stopping on a signal, and the expectations comparison CI relies on.
. "${top_srcdir:-.}/tests/unit/runner_harness.sh"

# Bad input: a clear message and exit status 2, nothing run.
[ "$(status "$lab" run --bogus)" = 2 ] || fail "unknown run option must exit 2"
grep -q "unknown argument '--bogus'" "$tmp/out" || fail "message names the bad option"
[ "$(status "$lab" run --timeout 0)" = 2 ] || fail "--timeout 0 must exit 2"
[ "$(status "$lab" run --filter 'no_such_test*' --out "$tmp/none")" = 2 ] || fail "empty selection must exit 2"
grep -q "no test matches" "$tmp/out" || fail "empty selection message"
[ "$(status "$lab" bind 0000:zz:00.0 vfio-pci)" = 2 ] || fail "malformed BDF must exit 2"
[ "$(status "$lab" frobnicate)" = 2 ] || fail "unknown command must exit 2"
[ "$(status "$lab" discover --yaml)" = 2 ] || fail "unknown discover option must exit 2"
[ "$(status "$lab" decode vtd 0x1)" = 2 ] || fail "decode with too few registers must exit 2"
[ "$(status "$lab" decode vtd 0x1d2008c222f0606 0x890000f00f4a)" = 0 ] || fail "decode of QEMU's VT-d registers"
grep -q "SAGAW" "$tmp/out" || fail "decode prints field names"

# A filtered run on this host: whatever the platform, the layout and ids are right.
rc=$(status "$lab" run --filter 'caps_pci.*' --out "$tmp/r")
[ "$rc" = 0 ] || [ "$rc" = 1 ] || { cat "$tmp/out"; fail "run exit status $rc"; }
for f in ktap.txt results.jsonl platform.json platform.txt run.json summary.txt dmesg.txt; do
	[ -f "$tmp/r/$f" ] || fail "results directory lacks $f"
done
head -n1 "$tmp/r/ktap.txt" | grep -qx "KTAP version 1" || fail "KTAP header"
n=$(wc -l < "$tmp/r/results.jsonl")
[ "$n" -gt 0 ] || fail "no records"
[ "$(grep -c '"id":"caps_pci\.' "$tmp/r/results.jsonl")" = "$n" ] || fail "filter let other tests through"
grep -q '"verdict":"SKIP","reason":"[^"]' "$tmp/r/results.jsonl" || grep -vq SKIP "$tmp/r/results.jsonl" \
	|| fail "every SKIP carries a reason"

# stress: bad arguments are refused before anything runs.
for a in "--duration 0" "--duration 25h" "--duration 5x" "--seed abc" "--loads bogus" "--filter x" "--timeout 9"; do
	[ "$(status "$lab" stress $a)" = 2 ] || fail "stress $a must exit 2"
done

# Repeated --filter: the union.
rc=$(status "$lab" run --filter 'caps_pci.*' --filter 'kernel_log.*' --out "$tmp/u")
[ "$rc" = 0 ] || [ "$rc" = 1 ] || { cat "$tmp/out"; fail "run with two filters: exit status $rc"; }
grep -q '"id":"kernel_log\.' "$tmp/u/results.jsonl" && grep -q '"id":"caps_pci\.' "$tmp/u/results.jsonl" \
	|| fail "two --filter options run both selections"

# SIGTERM (as SIGINT) during a long program: the runner tells it through the
# stop file, records what it reported, still runs kernel_log, and exits 1.
# A stand-in suite: a "stress_dma" that runs until the stop file appears.
fake="$tmp/libexec"
mkdir -p "$fake/tests"
ln -s "$IOMMU_LAB_BUILD/tools/iommu-lab-collect" "$IOMMU_LAB_BUILD/tools/iommu-lab-discover" "$fake/"
for p in stress_dma kernel_log; do
	cat > "$fake/tests/$p" <<EOT
#!/usr/bin/env bash
if [ "\${1:-}" = -l ]; then
	printf '# FIXTURE            VARIANT                   TEST\n%-47s%s\n' stress only_test >&2; exit 0
fi
echo "TAP version 13"; echo "1..1"; echo "#  RUN           stress.only_test ..."
if [ $p = stress_dma ]; then
	for i in \$(seq 600); do [ -e "\$IOMMU_LAB_STOP_FILE" ] && break; sleep 0.05; done
	[ -e "\$IOMMU_LAB_STOP_FILE" ] && echo "# stopped by the runner"
fi
echo "ok 1 stress.only_test"
EOT
	chmod +x "$fake/tests/$p"
done
printf '%s\n' stress_dma kernel_log > "$fake/tests/suite.list"
IOMMU_LAB_LIBEXEC="$fake" "$lab" stress --duration 60 --out "$tmp/st" > "$tmp/st.out" 2>&1 &
pid=$!
for i in $(seq 100); do grep -q "stress_dma" "$tmp/st.out" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
t0=$(date +%s)
kill -TERM "$pid"
wait "$pid"; rc=$?
[ $(( $(date +%s) - t0 )) -le 5 ] || fail "stop took more than 5 s"
[ "$rc" = 1 ] || { cat "$tmp/st.out"; fail "an interrupted run exits 1, got $rc"; }
grep -q "stopped by the runner" "$tmp/st/logs/stress_dma.tap" || fail "the program was not told to stop"
grep -q '"id":"stress_dma.stress.only_test","program":"stress_dma","test":"stress.only_test","verdict":"PASS"' \
	"$tmp/st/results.jsonl" || fail "the stopped program's result is recorded"
grep -q '"id":"kernel_log.stress.only_test"' "$tmp/st/results.jsonl" || fail "kernel_log runs after a stop"

# Expectations: matches, a regression, an unexpected pass, a missing and an unknown test.
# (The records are read through this build's iommu-lab-results.)
. "$top_srcdir/scripts/lib/common.sh"
. "$top_srcdir/scripts/lib/expect.sh"
LAB_LIBEXEC=$IOMMU_LAB_BUILD/tools
cat > "$tmp/exp" <<'EOT'
# comment
p.a PASS
p.b SKIP
p.c PASS
p.d SKIP
p.gone PASS
EOT
printf '%s\n' '{"id":"p.a","verdict":"PASS"}' '{"id":"p.b","verdict":"SKIP","reason":"x"}' \
	'{"id":"p.c","verdict":"FAIL","reason":"boom \"x\""}' '{"id":"p.d","verdict":"PASS"}' \
	'{"id":"p.new","verdict":"PASS"}' > "$tmp/res"
lab_expect "$tmp/res" "$tmp/exp" t > "$tmp/cmp" && fail "mismatches must fail the comparison"
[ "$LAB_EXPECT_PASSED $LAB_EXPECT_SKIPPED $LAB_EXPECT_FAILED" = "1 1 4" ] \
	|| fail "counts: $LAB_EXPECT_PASSED $LAB_EXPECT_SKIPPED $LAB_EXPECT_FAILED"
grep -q 'p.c: expected PASS, got FAIL (boom "x")' "$tmp/cmp" || fail "regression reported with reason"
# The run's summary of the same records: counts, then what did not pass.
. "$top_srcdir/scripts/lib/run.sh"
lab_summary "$tmp/res" > "$tmp/sum" || fail "lab_summary"
[ "$(head -n1 "$tmp/sum")" = "PASS 3  FAIL 1  SKIP 1  NOTRUN 0  TIMEOUT 0  " ] || { cat "$tmp/sum"; fail "summary counts"; }
grep -qx '  FAIL p.c: "boom "x""' "$tmp/sum" && grep -qx '  SKIP p.b: "x"' "$tmp/sum" || { cat "$tmp/sum"; fail "summary lines"; }
echo '{"id":"p.a"' > "$tmp/broken"
lab_expect "$tmp/broken" "$tmp/exp" t > "$tmp/cmp2" && fail "unreadable results must fail the comparison"
grep -q "t: unreadable results: .*broken:1:" "$tmp/cmp2" || { cat "$tmp/cmp2"; fail "unreadable results named"; }
grep -q "p.d: expected SKIP, got PASS" "$tmp/cmp" || fail "unexpected pass reported"
grep -q "p.gone: expected PASS, but it did not run" "$tmp/cmp" || fail "missing test reported"
grep -q "p.new: PASS, but no expectation" "$tmp/cmp" || fail "unknown test reported"

# `include NAME`: NAME.txt's lines, then this file's, which replace them.
cat > "$tmp/base.txt" <<'EOT'
i.same PASS
i.other PASS
EOT
printf '%s\n' 'include base' 'i.other FAIL # a finding of this platform only' > "$tmp/over.txt"
printf '%s\n' '{"id":"i.same","verdict":"PASS"}' '{"id":"i.other","verdict":"FAIL"}' > "$tmp/res"
lab_expect "$tmp/res" "$tmp/over.txt" t > "$tmp/cmp" || { cat "$tmp/cmp"; fail "an included file's lines count"; }
[ "$LAB_EXPECT_PASSED $LAB_EXPECT_FAILED" = "2 0" ] || fail "include counts: $LAB_EXPECT_PASSED $LAB_EXPECT_FAILED"
printf '%s\n' 'include nosuch' > "$tmp/over.txt"
lab_expect "$tmp/res" "$tmp/over.txt" t > "$tmp/cmp" && fail "a missing include must fail"
grep -q "over.txt:1: 'nosuch.txt-not-found' is not PASS" "$tmp/cmp" || { cat "$tmp/cmp"; fail "a missing include is named"; }

# Known findings: a FAIL must fail; a RACE may fail or pass (named either way),
# but nothing else; both need their reason; unknown words are refused.
cat > "$tmp/exp" <<'EOT'
f.fail FAIL # a reviewed finding
f.fixed FAIL # fixed since
r.hit RACE # a known race
r.miss RACE # a known race
r.skip RACE # a known race
f.bare FAIL
r.bare RACE
x.word MAYBE
EOT
printf '%s\n' '{"id":"f.fail","verdict":"FAIL"}' '{"id":"f.fixed","verdict":"PASS"}' \
	'{"id":"r.hit","verdict":"FAIL"}' '{"id":"r.miss","verdict":"PASS"}' '{"id":"r.skip","verdict":"SKIP","reason":"n"}' \
	'{"id":"f.bare","verdict":"FAIL"}' '{"id":"r.bare","verdict":"PASS"}' '{"id":"x.word","verdict":"PASS"}' > "$tmp/res"
lab_expect "$tmp/res" "$tmp/exp" t > "$tmp/cmp" && fail "mismatches must fail the comparison"
[ "$LAB_EXPECT_PASSED $LAB_EXPECT_SKIPPED $LAB_EXPECT_FAILED" = "5 0 6" ] \
	|| { cat "$tmp/cmp"; fail "race counts: $LAB_EXPECT_PASSED $LAB_EXPECT_SKIPPED $LAB_EXPECT_FAILED"; }
grep -q "f.fail: FAIL, as expected (known finding" "$tmp/cmp" || fail "an expected FAIL is named"
grep -q "f.fixed: expected FAIL, got PASS" "$tmp/cmp" || fail "a PASS where a plain FAIL is expected fails"
grep -q "r.hit: FAIL, as expected (known race, reproduced" "$tmp/cmp" || fail "a reproduced race is named"
grep -q "r.miss: PASS: known race not reproduced this run" "$tmp/cmp" || fail "a race not reproduced is named"
grep -q "r.skip: expected RACE (FAIL, or PASS when not reproduced), got SKIP (n)" "$tmp/cmp" || fail "a RACE test that skips fails"
grep -q "exp:6: FAIL needs the reviewed finding" "$tmp/cmp" || fail "a FAIL without its reason is refused"
grep -q "exp:7: RACE needs the reviewed finding" "$tmp/cmp" || fail "a RACE without its reason is refused"
grep -q "exp:8: 'MAYBE' is not PASS, SKIP, FAIL or RACE" "$tmp/cmp" || fail "an unknown expectation is refused"
grep -q "x.word: PASS, but no expectation" "$tmp/cmp" || fail "a refused line sets no expectation"
[ "$(grep -c . "$tmp/cmp")" = 11 ] || { cat "$tmp/cmp"; fail "one line per finding and mismatch"; }
# The guest table: names in order, values, optional keys, unknown guests.
LAB_TOP=$top_srcdir
. "$top_srcdir/scripts/testbed/guests.sh"
cat > "$tmp/guests.cfg" <<'EOT'
# comment
[a1]
arch = x86_64
machine = q35,kernel-irqchip=split
append = console=ttyS0 intel_iommu=on,sm_on

[b2]
# a comment inside
arch = arm64
cpu = cortex-a57
ci = suite

[c4]
arch = x86_64
ci = perf
EOT
LAB_GUESTS_CFG=$tmp/guests.cfg
[ "$(lab_guest_names | tr '\n' ' ')" = "a1 b2 c4 " ] || fail "guest names: $(lab_guest_names)"
[ "$(lab_guest_get a1 machine)" = "q35,kernel-irqchip=split" ] || fail "a value with '=' and ','"
[ "$(lab_guest_get a1 append)" = "console=ttyS0 intel_iommu=on,sm_on" ] || fail "a value with '=' and spaces"
[ -z "$(lab_guest_get a1 cpu)" ] && lab_guest_get a1 cpu > /dev/null || fail "an unset key is empty, for a known guest"
lab_guest_get c3 arch > /dev/null && fail "an unknown guest fails"
[ "$(lab_guests_of_arch arm64)" = b2 ] || fail "guests of an architecture"
[ "$(lab_guests_for suite x86_64 arm64)" = a1,b2 ] || fail "guests CI runs the suite in: $(lab_guests_for suite x86_64 arm64)"
[ "$(lab_guests_for perf x86_64 arm64)" = a1,c4 ] || fail "guests CI runs perf in (no ci: both)"
[ "$(lab_guests_for perf arm64)" = "" ] || fail "no arm64 guest runs perf"
LAB_GUESTS_CFG=$top_srcdir/scripts/testbed/guests.cfg
for g in $(lab_guest_names); do
	e=$(lab_guest_get "$g" expectations)
	[ -f "$top_srcdir/tests/expectations/$e.txt" ] || fail "$g: no tests/expectations/$e.txt"
done
# Guests CI runs perf in also need perf expectations.
for g in $(lab_guests_for perf x86_64 arm64 | tr ',' ' '); do
	e=$(lab_guest_get "$g" expectations)
	[ -f "$top_srcdir/tests/expectations/perf/$e.txt" ] || fail "$g: no tests/expectations/perf/$e.txt"
done

echo "test_runner: all checks passed"
