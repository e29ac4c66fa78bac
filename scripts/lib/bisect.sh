# SPDX-License-Identifier: GPL-2.0-only
# `iommu-lab bisect`: find the commit of a developer's kernel tree that broke
# an IOMMU behaviour or slowed a figure down, with the testbed as the oracle
# of `git bisect run`. Each step builds the checked-out commit
# (scripts/testbed/kernel-tree.sh: one incremental build directory, an image
# cached per source state), boots it in a testbed guest running only the
# selected tests, and answers good (0), bad (1) or skip (125: the kernel or
# the module did not build, no selected test gave a verdict). Sourced by
# iommu-lab (after results.sh); docs/bisect.md.

lab_bisect_usage() {
	cat <<'EOT'
usage: iommu-lab bisect --kernel-tree DIR --good REV --bad REV
                        (--test GLOB | --metric NAME --threshold PCT [--test GLOB])
                        [--guest NAME] [--config FILE] [--out DIR] [--vm-timeout S]
  --kernel-tree DIR  a git work tree of Linux without uncommitted changes (the bisection
                     checks out commits; its HEAD is restored at the end, also on errors)
  --good, --bad      commits (any git revision); GOOD must be an ancestor of BAD
  --test GLOB        only the tests whose id matches GLOB run (as `run --filter`);
                     verdict mode: a FAIL, TIMEOUT or NOTRUN among them is bad
  --metric NAME      metric mode: the metric NAME of the selected tests (the mean when several
                     record it) is measured on GOOD first; a commit whose value is PCT
                     percent worse (--threshold; the unit says which way is worse) is bad
  --guest NAME       the testbed guest (scripts/testbed/guests.cfg), default x86_64
  --config FILE      the kernel configuration to start from (default tinyconfig); the
                     suite's fragments are merged either way
  --out DIR          where every step's results go (default results/<time>-bisect)
IOMMU_LAB_VM_LOCK=FILE: each step's guest waits for flock(1) on FILE (guests taking turns);
IOMMU_LAB_JOBS: make -j of the kernel builds.
Prints every step (commit, verdict or value, build/suite/boot/test seconds) and the first
bad commit. Exit status: 0 found, 1 not found (only skipped commits left), 2 usage error or
the bisection could not run.
EOT
}

lab_bisect() {
	local tree="" good="" bad="" glob="" metric="" threshold="" guest=x86_64 config="" out="" vm_timeout=900
	local orig arch rc first conf
	if [ "${1:-}" = --step ]; then
		shift
		lab_bisect_step "$@"
		return
	fi
	while [ $# -gt 0 ]; do
		case "$1" in
		--kernel-tree) [ -d "${2:-}" ] || lab_die "bisect: --kernel-tree: no directory '${2:-}'"
			tree=$(cd "$2" && pwd); shift 2 ;;
		--good) [ -n "${2:-}" ] || lab_die "bisect: --good needs a revision"; good=$2; shift 2 ;;
		--bad) [ -n "${2:-}" ] || lab_die "bisect: --bad needs a revision"; bad=$2; shift 2 ;;
		--test) [ -n "${2:-}" ] || lab_die "bisect: --test needs a glob"; glob=$2; shift 2 ;;
		--metric) [[ "${2:-}" =~ ^[A-Za-z0-9_.]+$ ]] || lab_die "bisect: --metric needs a metric name (e.g. unmap_ns_per_step)"
			metric=$2; shift 2 ;;
		--threshold) [[ "${2:-}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || lab_die "bisect: --threshold needs a percentage (e.g. 20)"
			threshold=$2; shift 2 ;;
		--guest) [ -n "${2:-}" ] || lab_die "bisect: --guest needs a guest name"; guest=$2; shift 2 ;;
		--config) [ -f "${2:-}" ] || lab_die "bisect: --config: no file '${2:-}'"; config=$(realpath "$2"); shift 2 ;;
		--out) [ -n "${2:-}" ] || lab_die "bisect: --out needs a directory"; out=$2; shift 2 ;;
		--vm-timeout) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || lab_die "bisect: --vm-timeout needs seconds"; vm_timeout=$2; shift 2 ;;
		-h|--help) lab_bisect_usage; return 0 ;;
		*) lab_bisect_usage >&2; lab_die "bisect: unknown argument '$1'" ;;
		esac
	done
	[ -n "$tree" ] && [ -n "$good" ] && [ -n "$bad" ] || { lab_bisect_usage >&2; lab_die "bisect: --kernel-tree, --good and --bad are needed"; }
	[ -n "$glob$metric" ] || lab_die "bisect: say what to judge: --test GLOB (verdicts) or --metric NAME --threshold PCT"
	[ -z "$metric" ] || [ -n "$threshold" ] || lab_die "bisect: --metric needs --threshold PCT"
	[ -z "$threshold" ] || [ -n "$metric" ] || lab_die "bisect: --threshold goes with --metric"
	[ -x "$LAB_TOP/scripts/testbed/vm.sh" ] || lab_die "bisect runs from a source checkout (scripts/testbed is not installed)"
	. "$LAB_TOP/scripts/testbed/guests.sh"
	arch=$(lab_guest_get "$guest" arch) || lab_die "bisect: --guest: no guest '$guest' in $LAB_GUESTS_CFG"
	git -C "$tree" rev-parse --verify -q HEAD > /dev/null 2>&1 || lab_die "bisect: $tree is not a git work tree with commits"
	[ "$(git -C "$tree" rev-parse --show-toplevel)" = "$tree" ] || lab_die "bisect: --kernel-tree must be the top of the work tree ($(git -C "$tree" rev-parse --show-toplevel))"
	if [ -n "$(git -C "$tree" status --porcelain --untracked-files=no)" ]; then
		lab_die "bisect: $tree has uncommitted changes; the bisection checks out other commits and would lose or mix them: commit or stash them first (git -C $tree status)"
	fi
	[ ! -e "$(git -C "$tree" rev-parse --absolute-git-dir)/BISECT_START" ] ||
		lab_die "bisect: a git bisect is already in progress in $tree (git -C $tree bisect reset ends it)"
	git -C "$tree" rev-parse --verify -q "$good^{commit}" > /dev/null || lab_die "bisect: --good: no commit '$good' in $tree"
	git -C "$tree" rev-parse --verify -q "$bad^{commit}" > /dev/null || lab_die "bisect: --bad: no commit '$bad' in $tree"
	good=$(git -C "$tree" rev-parse "$good^{commit}") bad=$(git -C "$tree" rev-parse "$bad^{commit}")
	git -C "$tree" merge-base --is-ancestor "$good" "$bad" || lab_die "bisect: the good commit is not an ancestor of the bad one"
	[ "$good" != "$bad" ] || lab_die "bisect: the good and the bad commit are the same"

	out=${out:-$LAB_TOP/results/$(date -u +%Y%m%dT%H%M%SZ)-bisect}
	mkdir -p "$out/steps" || lab_die "bisect: cannot create $out"
	out=$(cd "$out" && pwd)
	lab_host_tools
	conf="$out/bisect.conf"
	{
		printf 'B_TREE=%q B_ARCH=%q B_GUEST=%q B_CONFIG=%q B_GLOB=%q\n' "$tree" "$arch" "$guest" "$config" "$glob"
		printf 'B_METRIC=%q B_THRESHOLD=%q B_OUT=%q B_VM_TIMEOUT=%q\n' "$metric" "$threshold" "$out" "$vm_timeout"
	} > "$conf"
	printf 'step\tcommit\tsubject\tjudged\tverdict\tbuild_s\tsuite_s\tboot_s\ttests_s\n' > "$out/steps.tsv"

	# Whatever happens from here on, the tree goes back to where it was.
	orig=$(git -C "$tree" symbolic-ref -q --short HEAD) || orig=$(git -C "$tree" rev-parse HEAD)
	LAB_BISECT_TREE=$tree LAB_BISECT_ORIG=$orig
	trap 'lab_bisect_restore' EXIT
	trap 'lab_bisect_restore; trap - EXIT; exit 130' INT TERM
	lab_log "bisect: $tree, good $(git -C "$tree" log -1 --format=%h "$good"), bad $(git -C "$tree" log -1 --format=%h "$bad"), guest $guest; steps in $out"

	if [ -n "$metric" ]; then
		# The reference value: the good commit, measured first.
		git -C "$tree" checkout -q --detach "$good" || lab_die "bisect: cannot check out $good"
		lab_bisect_step "$conf" --baseline
		[ -s "$out/baseline" ] || lab_die "bisect: no $metric measured on the good commit (see $out/steps/)"
	fi
	git -C "$tree" bisect start "$bad" "$good" > "$out/git-bisect.log" 2>&1 ||
		{ cat "$out/git-bisect.log" >&2; lab_die "bisect: git bisect start failed"; }
	git -C "$tree" bisect run "$LAB_SCRIPTS/iommu-lab" bisect --step "$conf" >> "$out/git-bisect.log" 2>&1
	rc=$?
	git -C "$tree" bisect log > "$out/bisect-history.txt" 2>/dev/null
	echo "== steps ($out/steps.tsv)"
	column -t -s $'\t' "$out/steps.tsv" 2>/dev/null || cat "$out/steps.tsv"
	if [ $rc = 0 ] && first=$(git -C "$tree" rev-parse --verify -q refs/bisect/bad) &&
	   grep -q 'is the first bad commit' "$out/git-bisect.log"; then
		echo "first bad commit: $(git -C "$tree" log -1 --format='%H %s' "$first")"
		echo "$first" > "$out/first-bad"
		return 0
	fi
	grep -E "skipped|first bad|cannot|error" "$out/git-bisect.log" | tail -n 12
	echo "bisect: no first bad commit found (git bisect run status $rc, see $out/git-bisect.log)"
	return 1
}

lab_bisect_restore() {
	[ -n "${LAB_BISECT_TREE:-}" ] || return 0
	if [ -e "$(git -C "$LAB_BISECT_TREE" rev-parse --absolute-git-dir)/BISECT_START" ]; then
		git -C "$LAB_BISECT_TREE" bisect reset "$LAB_BISECT_ORIG" > /dev/null 2>&1 ||
			git -C "$LAB_BISECT_TREE" bisect reset > /dev/null 2>&1
	fi
	git -C "$LAB_BISECT_TREE" checkout -q "$LAB_BISECT_ORIG" 2>/dev/null ||
		lab_log "bisect: could not check $LAB_BISECT_ORIG out again in $LAB_BISECT_TREE"
	LAB_BISECT_TREE=""
}

# lab_bisect_step CONF [--baseline]: one step for `git bisect run`, on the
# commit checked out in the tree. Its exit status is git bisect run's: 0
# good, 1 bad, 125 skip; anything else (the step itself broke) is 255, which
# stops the bisection instead of calling the commit bad.
lab_bisect_step() {
	( lab_bisect_judge "$@" )
	local rc=$?
	case $rc in 0|1|125) return $rc ;; *) lab_log "bisect: the step failed (status $rc); stopping"; return 255 ;; esac
}

lab_bisect_judge() {
	local conf=$1 baseline=${2:-} B_TREE B_ARCH B_GUEST B_CONFIG B_GLOB B_METRIC B_THRESHOLD B_OUT B_VM_TIMEOUT
	local commit short subject n dir t0 t1 t2 build_s suite_s boot_s tests_s wall vm_rc judged verdict rc
	. "$conf" || return 2
	lab_host_tools
	commit=$(git -C "$B_TREE" rev-parse HEAD) || return 2
	short=$(git -C "$B_TREE" log -1 --format=%h HEAD) subject=$(git -C "$B_TREE" log -1 --format=%s HEAD)
	# Steps 1, 2, ...; the metric's reference measurement is 0-good.
	n=$(( $(awk -F '\t' 'NR > 1 && $1 != "0-good"' "$B_OUT/steps.tsv" | wc -l) + 1 ))
	[ -n "$baseline" ] && n=0-good
	dir="$B_OUT/steps/$n-$short"
	mkdir -p "$dir" || return 2
	local cfg_args=() filter=()
	[ -n "$B_CONFIG" ] && cfg_args=(--config "$B_CONFIG")
	[ -n "$B_GLOB" ] && filter=(--filter "$B_GLOB")

	t0=$(date +%s)
	"$LAB_TOP/scripts/testbed/kernel-tree.sh" "$B_ARCH" "$B_TREE" "${cfg_args[@]}" > "$dir/kernel.log" 2>&1
	rc=$?
	t1=$(date +%s) build_s=$((t1 - t0))
	if [ $rc != 0 ]; then
		lab_bisect_row "$n" "$short" "$subject" "build failed" skip "$build_s" - - -
		return 125
	fi
	# On a machine whose guests take turns (IOMMU_LAB_VM_LOCK names the lock
	# file), the guest waits for its turn; the build did not.
	if [ -n "${IOMMU_LAB_VM_LOCK:-}" ]; then
		exec 8>> "$IOMMU_LAB_VM_LOCK" && flock 8 || return 2
		t1=$(date +%s)
	fi
	"$LAB_TOP/scripts/testbed/vm.sh" --guest "$B_GUEST" --kernel-tree "$B_TREE" "${cfg_args[@]}" --out "$dir/vm" \
		--vm-timeout "$B_VM_TIMEOUT" -- "${filter[@]}" > "$dir/vm.log" 2>&1
	vm_rc=$?
	t2=$(date +%s)
	[ -z "${IOMMU_LAB_VM_LOCK:-}" ] || exec 8>&-
	local res="$dir/vm/$B_GUEST/results.jsonl"
	wall=$(lab_json_get wall_s "$dir/vm/$B_GUEST/vm.json" 2>/dev/null)
	if [ -z "$wall" ] || [ ! -f "$res" ]; then
		# The guest never ran: the suite (the module) did not build against this commit.
		lab_bisect_row "$n" "$short" "$subject" "no run (vm status $vm_rc)" skip "$build_s" "$((t2 - t1))" - -
		return 125
	fi
	tests_s=$(lab_json_get duration_ms "$res" | awk '{ s += $1 } END { printf "%.1f", s / 1000 }')
	suite_s=$(awk -v a="$((t2 - t1))" -v w="$wall" 'BEGIN { printf "%.0f", a - w }')
	boot_s=$(awk -v w="$wall" -v t="$tests_s" 'BEGIN { printf "%.1f", w - t }')

	if [ -z "$B_METRIC" ]; then
		# The selected tests' verdicts (the testbed adds records of its own).
		local ids verdicts v bad=0 good=0 i=0
		mapfile -t ids < <(lab_json_get id "$res")
		mapfile -t verdicts < <(lab_json_get verdict "$res")
		for v in "${verdicts[@]}"; do
			if [[ "${ids[$i]}" == $B_GLOB ]]; then
				case "$v" in FAIL|TIMEOUT|NOTRUN) bad=$((bad + 1)) ;; PASS) good=$((good + 1)) ;; esac
			fi
			i=$((i + 1))
		done
		judged="$good passed, $bad failed"
		if [ $bad -gt 0 ]; then verdict=bad rc=1
		elif [ $good -gt 0 ]; then verdict=good rc=0
		else verdict=skip rc=125 judged="no selected test passed or failed"
		fi
		lab_bisect_row "$n" "$short" "$subject" "$judged" "$verdict" "$build_s" "$suite_s" "$boot_s" "$tests_s"
		return $rc
	fi

	# Metric mode: the mean of the metric over the selected tests' records
	# (iommu-lab-results: "M id name value unit lo hi").
	local value unit
	read -r value unit < <("$LAB_LIBEXEC/iommu-lab-results" "$res" | awk -F '\t' -v m="$B_METRIC" -v g="${B_GLOB:-*}" '
		function glob_re(s) { gsub(/[.+^$(){}|\\]/, "\\\\&", s); gsub(/\*/, ".*", s); gsub(/\?/, ".", s); return "^" s "$" }
		BEGIN { re = glob_re(g) }
		$1 == "M" && $3 == m && $2 ~ re && $4 != "" { s += $4; n++; u = $5 }
		END { if (n) printf "%.6g %s\n", s / n, (u == "" ? "-" : u) }')
	if [ -z "$value" ]; then
		lab_bisect_row "$n" "$short" "$subject" "no $B_METRIC recorded" skip "$build_s" "$suite_s" "$boot_s" "$tests_s"
		[ -n "$baseline" ] && return 2
		return 125
	fi
	if [ -n "$baseline" ]; then
		echo "$value $unit" > "$B_OUT/baseline"
		lab_bisect_row "$n" "$short" "$subject" "$B_METRIC = $value $unit (reference)" good "$build_s" "$suite_s" "$boot_s" "$tests_s"
		return 0
	fi
	local ref worse
	read -r ref unit < "$B_OUT/baseline"
	# How much worse than the good commit, in percent (units.awk: which way is better).
	worse=$(awk -v v="$value" -v r="$ref" -v u="$unit" -f "$LAB_SCRIPTS/lib/units.awk" -f <(echo '
		BEGIN { s = unit_sense(u); if (s == 0 || r == 0) { print "none"; exit }
			printf "%.1f\n", (s < 0 ? (v - r) : (r - v)) / r * 100 }'))
	if [ "$worse" = none ]; then
		lab_log "bisect: $B_METRIC ($unit, reference $ref) has no better or worse direction"
		return 2
	fi
	judged="$B_METRIC = $value $unit (${worse}% worse than $ref)"
	if awk -v w="$worse" -v t="$B_THRESHOLD" 'BEGIN { exit !(w >= t) }'; then verdict=bad rc=1; else verdict=good rc=0; fi
	lab_bisect_row "$n" "$short" "$subject" "$judged" "$verdict" "$build_s" "$suite_s" "$boot_s" "$tests_s"
	return $rc
}

# One row of steps.tsv, and the same on stderr as it happens.
lab_bisect_row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$B_OUT/steps.tsv"
	lab_log "bisect: step $1 $2 '$3': $4 -> $5 (build $6 s, suite $7 s, boot $8 s, tests $9 s)"
}
