# SPDX-License-Identifier: GPL-2.0-only
# Compare a run's verdicts with a platform's expectations file. Sourced after
# common.sh; the records are read through iommu-lab-results (lab_host_tools).
#
# Expectations file: one "TEST-ID EXPECTATION [# why]" per line, '#' comments;
# `include NAME` takes NAME.txt's lines there, and a later line for the same
# test replaces an earlier one (lab_expect_lines).
#   PASS, SKIP  the verdict the platform gives (a SKIP: it lacks what the test needs)
#   FAIL        a reviewed finding, explained on its line ("# why" is required)
#   RACE        a reviewed finding that is a race: FAIL expected, and a PASS
#               means only that the race was not reproduced this run. Both
#               meet the expectation; a PASS is named in the output every time.
#               Only for tests that hunt a race until the first hit or a bound
#               (docs/tests/determinism.md); "# why" is required.
# lab_expect RESULTS.jsonl EXPECTATIONS LABEL prints one line per mismatch and
# sets LAB_EXPECT_PASSED / LAB_EXPECT_FAILED / LAB_EXPECT_SKIPPED:
#   passed  - the expectation was met: PASS got PASS, FAIL got FAIL, RACE got
#             FAIL or PASS
#   skipped - expected SKIP, got SKIP
#   failed  - anything else: a PASS that became FAIL/SKIP/NOTRUN, an expected
#             SKIP or FAIL that now PASSes (update the file: the platform
#             gained it, or the finding was fixed), a RACE test that SKIPped or
#             did not run, a test with no expectation, an expected test that
#             did not run, a malformed expectations line.
# lab_expect_lines FILE : FILE's lines as "FILE-NAME<TAB>LINE-NUMBER<TAB>TEXT",
# a line `include NAME` replaced by the lines of NAME.txt in FILE's directory
# (one level): a platform that differs from another in a few reviewed
# findings (a debug kernel) lists only those, after the include.
lab_expect_lines() {
	local file=$1 line n=0 inc
	while IFS= read -r line; do
		n=$((n + 1))
		if [[ "$line" =~ ^include[[:space:]]+([A-Za-z0-9._-]+)[[:space:]]*$ ]]; then
			inc="$(dirname "$file")/${BASH_REMATCH[1]}.txt"
			if [ -f "$inc" ]; then
				awk -v f="$(basename "$inc")" '{ printf "%s\t%d\t%s\n", f, NR, $0 }' "$inc"
			else
				# (refused below as a word that is not a verdict, naming the file)
				printf '%s\t%d\t%s\n' "$(basename "$file")" "$n" "include $(basename "$inc")-not-found"
			fi
			continue
		fi
		printf '%s\t%d\t%s\n' "$(basename "$file")" "$n" "$line"
	done < "$file"
}

lab_expect() {
	local results=$1 expect=$2 label=$3 id want got why line file n records r
	LAB_EXPECT_PASSED=0 LAB_EXPECT_FAILED=0 LAB_EXPECT_SKIPPED=0
	declare -A exp=() act=() reason=()
	if [ ! -f "$expect" ]; then
		echo "$label: no expectations file $expect"
		LAB_EXPECT_FAILED=1
		return 1
	fi
	lab_host_tools
	if ! records=$("$LAB_LIBEXEC/iommu-lab-results" "$results" 2>&1); then
		echo "$label: unreadable results: $records"
		LAB_EXPECT_FAILED=1
		return 1
	fi
	while IFS=$'\t' read -r file n line; do
		read -r id want _ <<< "$line"
		case "$id" in ''|'#'*) continue ;; esac
		why=""
		[[ "$line" == *'#'* ]] && why=${line#*#}
		case "$want" in
		PASS|SKIP) ;;
		FAIL|RACE)
			if [ -z "${why// /}" ]; then
				echo "$label: $file:$n: $want needs the reviewed finding after '#'"
				LAB_EXPECT_FAILED=$((LAB_EXPECT_FAILED + 1))
			fi ;;
		*)
			echo "$label: $file:$n: '$want' is not PASS, SKIP, FAIL or RACE"
			LAB_EXPECT_FAILED=$((LAB_EXPECT_FAILED + 1))
			continue ;;
		esac
		exp[$id]=$want
	done < <(lab_expect_lines "$expect")
	# (iommu-lab-results R lines: id, program, verdict, reason, ...)
	while IFS=' ' read -r id got r; do
		[ -n "$id" ] || continue
		act[$id]=$got
		[ -n "${reason[$id]:-}" ] || reason[$id]=$r
	done < <(awk -F '\t' '$1 == "R" { print $2, $4, $5 }' <<< "$records")
	# (sorted: the same run prints the same lines in the same order)
	for id in $(printf '%s\n' "${!act[@]}" | LC_ALL=C sort); do
		got=${act[$id]} want=${exp[$id]:-}
		if [ -z "$want" ]; then
			echo "$label: $id: $got, but no expectation (add it to $(basename "$expect"))"
			LAB_EXPECT_FAILED=$((LAB_EXPECT_FAILED + 1))
		elif [ "$want" = RACE ] && { [ "$got" = FAIL ] || [ "$got" = PASS ]; }; then
			LAB_EXPECT_PASSED=$((LAB_EXPECT_PASSED + 1))
			# Named every run, reproduced or not, so the output says which.
			if [ "$got" = FAIL ]; then
				echo "$label: $id: FAIL, as expected (known race, reproduced; see $(basename "$expect"))"
			else
				echo "$label: $id: PASS: known race not reproduced this run (FAIL expected; see $(basename "$expect"))"
			fi
		elif [ "$got" = "$want" ]; then
			[ "$got" = SKIP ] && LAB_EXPECT_SKIPPED=$((LAB_EXPECT_SKIPPED + 1)) ||
				LAB_EXPECT_PASSED=$((LAB_EXPECT_PASSED + 1))
			# A known failure (a reviewed finding, explained in the file) is named every run.
			[ "$got" = FAIL ] && echo "$label: $id: FAIL, as expected (known finding; see $(basename "$expect"))"
		else
			[ "$want" = RACE ] && want="RACE (FAIL, or PASS when not reproduced)"
			echo "$label: $id: expected $want, got $got${reason[$id]:+ (${reason[$id]})}"
			LAB_EXPECT_FAILED=$((LAB_EXPECT_FAILED + 1))
		fi
	done
	for id in $(printf '%s\n' "${!exp[@]}" | LC_ALL=C sort); do
		[ -n "${act[$id]:-}" ] && continue
		echo "$label: $id: expected ${exp[$id]}, but it did not run"
		LAB_EXPECT_FAILED=$((LAB_EXPECT_FAILED + 1))
	done
	[ "$LAB_EXPECT_FAILED" = 0 ]
}

# lab_judge DIR EXPECTATIONS_DIR ARCHES : every guest of an `iommu-lab vm` run
# in DIR (the guests of the architectures ARCHES that ran there) against
# EXPECTATIONS_DIR/<its expectations>.txt, as the guest table names it
# (scripts/testbed/guests.cfg). Prints each mismatch and a line per guest;
# sets LAB_JUDGE_PASSED / LAB_JUDGE_FAILED / LAB_JUDGE_SKIPPED over all of them.
lab_judge() {
	local dir=$1 edir=$2 arches=$3 a g res name guests=()
	. "$LAB_TOP/scripts/testbed/guests.sh"
	LAB_JUDGE_PASSED=0 LAB_JUDGE_FAILED=0 LAB_JUDGE_SKIPPED=0
	for a in $arches; do
		for g in $(lab_guests_of_arch "$a"); do
			[ -d "$dir/$g" ] && guests+=("$g")
		done
	done
	if [ ${#guests[@]} = 0 ]; then
		echo "no guest ran in $dir"
		LAB_JUDGE_FAILED=1
		return 1
	fi
	for g in "${guests[@]}"; do
		res="$dir/$g/results.jsonl"
		if [ ! -s "$res" ]; then
			echo "$g: no results (see $dir/$g/console.log)"
			LAB_JUDGE_FAILED=$((LAB_JUDGE_FAILED + 1))
			continue
		fi
		name=$(lab_guest_get "$g" expectations)
		# A guest that stalled and was booted again (vm.sh): said every time.
		[ -s "$dir/$g/retried.txt" ] && echo "$g: booted twice (the first boot: $(cat "$dir/$g/retried.txt"))"
		lab_expect "$res" "$edir/$name.txt" "$g"
		echo "$g ($name, ${edir#"$LAB_TOP/"}): $LAB_EXPECT_PASSED passed, $LAB_EXPECT_FAILED failed, $LAB_EXPECT_SKIPPED skipped against expectations"
		LAB_JUDGE_PASSED=$((LAB_JUDGE_PASSED + LAB_EXPECT_PASSED))
		LAB_JUDGE_FAILED=$((LAB_JUDGE_FAILED + LAB_EXPECT_FAILED))
		LAB_JUDGE_SKIPPED=$((LAB_JUDGE_SKIPPED + LAB_EXPECT_SKIPPED))
	done
	[ "$LAB_JUDGE_FAILED" = 0 ]
}
