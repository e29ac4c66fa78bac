# SPDX-License-Identifier: GPL-2.0-only
# `iommu-lab compare RUN_A RUN_B`: what changed from a baseline run to a
# candidate, with an exit status `git bisect run` understands. Reads only.
# Sourced by iommu-lab (after results.sh).

lab_compare_usage() {
	cat <<'EOT'
usage: iommu-lab compare RUN_A RUN_B [--threshold PCT] [--min-change PCT] [--verdicts-only | --metrics-only]
  RUN_A is the baseline (good), RUN_B the candidate: two `iommu-lab run` directories,
  or two `iommu-lab vm` directories (guests matched by name).
  --threshold PCT   relative change that counts for a metric without a measured spread
                    (lo..hi) on both sides, default 10
  --min-change PCT  smallest relative change that counts even beyond both spreads, default 3
  --verdicts-only   compare only verdicts; --metrics-only: only metrics
Exit status: 0 no regression, 1 regression (a PASS became FAIL, TIMEOUT or NOTRUN, or a
throughput or latency got worse beyond the run-to-run spread), 125 the runs cannot be
compared (missing or broken results, different platforms), 2 usage error.
EOT
}

lab_compare() {
	local threshold=10 min_change=3 verdicts=1 metrics=1 runs=() g label a b pa pb st rc=0 matched=0
	while [ $# -gt 0 ]; do
		case "$1" in
		--threshold)
			[[ "${2:-}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || lab_die "compare: --threshold needs a percentage (e.g. 10)"
			threshold=$2; shift 2 ;;
		--min-change)
			[[ "${2:-}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || lab_die "compare: --min-change needs a percentage (e.g. 3)"
			min_change=$2; shift 2 ;;
		--verdicts-only) metrics=0; shift ;;
		--metrics-only) verdicts=0; shift ;;
		-h|--help) lab_compare_usage; return 0 ;;
		-*) lab_compare_usage >&2; lab_die "compare: unknown option '$1'" ;;
		*) runs+=("$1"); shift ;;
		esac
	done
	[ ${#runs[@]} = 2 ] || { lab_compare_usage >&2; lab_die "compare: needs two run directories, RUN_A and RUN_B"; }
	[ $verdicts = 1 ] || [ $metrics = 1 ] || lab_die "compare: --verdicts-only and --metrics-only exclude each other"
	a=${runs[0]} b=${runs[1]}
	# From here on, a problem with the input means the runs cannot be compared.
	local LAB_DIE_STATUS=125
	lab_guests "$b" || lab_die "compare: RUN_B: $b/results.jsonl not found (nor in its subdirectories)"
	local guests_b=("${LAB_GUESTS[@]}")
	lab_guests "$a" || lab_die "compare: RUN_A: $a/results.jsonl not found (nor in its subdirectories)"
	[ "${LAB_GUESTS[0]}" = . ] && [ "${guests_b[0]}" != . ] && lab_die "compare: RUN_A is one run, RUN_B holds guests ($b)"
	[ "${LAB_GUESTS[0]}" != . ] && [ "${guests_b[0]}" = . ] && lab_die "compare: RUN_A holds guests, RUN_B is one run ($b)"
	# (global: the EXIT trap runs after this function has returned)
	LAB_COMPARE_TMP=$(mktemp -d) || lab_die "compare: cannot create a temporary directory"
	trap 'rm -rf "$LAB_COMPARE_TMP"' EXIT
	local tmp=$LAB_COMPARE_TMP
	for g in "${LAB_GUESTS[@]}"; do
		if [ ! -f "$b/$g/results.jsonl" ]; then
			echo "guest $g: only in RUN_A"
			continue
		fi
		lab_flatten "$a/$g" "$tmp/a" || lab_die "compare: RUN_A: $a/$g/results.jsonl is not valid"
		lab_flatten "$b/$g" "$tmp/b" || lab_die "compare: RUN_B: $b/$g/results.jsonl is not valid"
		[ "$g" = . ] && label=run || label="guest $g"
		pa=$(lab_run_field "$tmp/a" platform) pb=$(lab_run_field "$tmp/b" platform)
		[ "$pa" = "$pb" ] || lab_die "compare: $label: different platforms ($pa in RUN_A, $pb in RUN_B)"
		matched=$((matched + 1))
		echo "$label ($pa): kernel $(lab_run_field "$tmp/a" kernel) -> $(lab_run_field "$tmp/b" kernel)," \
			"run $(lab_run_field "$tmp/a" run_id) -> $(lab_run_field "$tmp/b" run_id)"
		awk -v threshold="$threshold" -v min_change="$min_change" -v verdicts=$verdicts -v metrics=$metrics \
			-f "$LAB_SCRIPTS/lib/units.awk" -f "$LAB_SCRIPTS/lib/compare.awk" \
			side=A "$tmp/a" side=B "$tmp/b"
		st=$?
		[ $st -le 1 ] || lab_die "compare: $label: awk failed (status $st)"
		[ $st = 0 ] || rc=1
	done
	for g in "${guests_b[@]}"; do
		[ -f "$a/$g/results.jsonl" ] || echo "guest $g: only in RUN_B"
	done
	[ $matched -gt 0 ] || lab_die "compare: no guest in both runs"
	[ $rc = 0 ] && echo "compare: no regression" || echo "compare: regression"
	return $rc
}
