# SPDX-License-Identifier: GPL-2.0-only
# Compare a run's verdicts with a platform's expectations file. Sourced.
#
# Expectations file: one "TEST-ID VERDICT" per line (PASS or SKIP), '#' comments.
# lab_expect RESULTS.jsonl EXPECTATIONS LABEL prints one line per mismatch and
# sets LAB_EXPECT_PASSED / LAB_EXPECT_FAILED / LAB_EXPECT_SKIPPED:
#   passed  - expected PASS, got PASS
#   skipped - expected SKIP, got SKIP
#   failed  - anything else: a PASS that became FAIL/SKIP/NOTRUN, an expected
#             SKIP that now PASSes (update the file: the platform gained it),
#             a test with no expectation, an expected test that did not run.
lab_expect() {
	local results=$1 expect=$2 label=$3 id want got
	LAB_EXPECT_PASSED=0 LAB_EXPECT_FAILED=0 LAB_EXPECT_SKIPPED=0
	declare -A exp=() act=()
	if [ ! -f "$expect" ]; then
		echo "$label: no expectations file $expect"
		LAB_EXPECT_FAILED=1
		return 1
	fi
	while read -r id want _; do
		case "$id" in ''|'#'*) continue ;; esac
		exp[$id]=$want
	done < "$expect"
	while IFS=' ' read -r id got; do
		act[$id]=$got
	done < <(sed -n 's/.*"id":"\([^"]*\)".*"verdict":"\([A-Z]*\)".*/\1 \2/p' "$results")
	for id in "${!act[@]}"; do
		got=${act[$id]} want=${exp[$id]:-}
		if [ -z "$want" ]; then
			echo "$label: $id: $got, but no expectation (add it to $(basename "$expect"))"
			LAB_EXPECT_FAILED=$((LAB_EXPECT_FAILED + 1))
		elif [ "$got" = "$want" ]; then
			[ "$got" = SKIP ] && LAB_EXPECT_SKIPPED=$((LAB_EXPECT_SKIPPED + 1)) ||
				LAB_EXPECT_PASSED=$((LAB_EXPECT_PASSED + 1))
			# A known failure (a reviewed finding, explained in the file) is named every run.
			[ "$got" = FAIL ] && echo "$label: $id: FAIL, as expected (known finding; see $(basename "$expect"))"
		else
			echo "$label: $id: expected $want, got $got$(lab_reason_of "$results" "$id")"
			LAB_EXPECT_FAILED=$((LAB_EXPECT_FAILED + 1))
		fi
	done
	for id in "${!exp[@]}"; do
		[ -n "${act[$id]:-}" ] && continue
		echo "$label: $id: expected ${exp[$id]}, but it did not run"
		LAB_EXPECT_FAILED=$((LAB_EXPECT_FAILED + 1))
	done
	[ "$LAB_EXPECT_FAILED" = 0 ]
}

lab_reason_of() {
	local r
	r=$(grep "\"id\":\"$2\"" "$1" | sed -n 's/.*"reason":"\([^"]*\)".*/\1/p' | head -n1)
	[ -n "$r" ] && echo " ($r)"
}
