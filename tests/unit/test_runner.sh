#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The runner on this host: argument validation, the results layout, --filter,
# and the expectations comparison CI relies on.
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
export IOMMU_LAB_BUILD=$(cd "${top_builddir:-.}" && pwd)
lab="$top_srcdir/scripts/iommu-lab"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
status() { "$@" > "$tmp/out" 2>&1; echo $?; }

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

# Expectations: matches, a regression, an unexpected pass, a missing and an unknown test.
. "$top_srcdir/scripts/lib/expect.sh"
cat > "$tmp/exp" <<'EOT'
# comment
p.a PASS
p.b SKIP
p.c PASS
p.d SKIP
p.gone PASS
EOT
printf '%s\n' '{"id":"p.a","verdict":"PASS"}' '{"id":"p.b","verdict":"SKIP","reason":"x"}' \
	'{"id":"p.c","verdict":"FAIL","reason":"boom"}' '{"id":"p.d","verdict":"PASS"}' \
	'{"id":"p.new","verdict":"PASS"}' > "$tmp/res"
lab_expect "$tmp/res" "$tmp/exp" t > "$tmp/cmp" && fail "mismatches must fail the comparison"
[ "$LAB_EXPECT_PASSED $LAB_EXPECT_SKIPPED $LAB_EXPECT_FAILED" = "1 1 4" ] \
	|| fail "counts: $LAB_EXPECT_PASSED $LAB_EXPECT_SKIPPED $LAB_EXPECT_FAILED"
grep -q "p.c: expected PASS, got FAIL (boom)" "$tmp/cmp" || fail "regression reported with reason"
grep -q "p.d: expected SKIP, got PASS" "$tmp/cmp" || fail "unexpected pass reported"
grep -q "p.gone: expected PASS, but it did not run" "$tmp/cmp" || fail "missing test reported"
grep -q "p.new: PASS, but no expectation" "$tmp/cmp" || fail "unknown test reported"
echo "test_runner: all checks passed"
