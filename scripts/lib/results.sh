# SPDX-License-Identifier: GPL-2.0-only
# Reading finished runs, for `iommu-lab report` and `iommu-lab compare`. Sourced.

# lab_guests DIR : set LAB_GUESTS to the runs DIR holds: "." when DIR is a run
# itself (`iommu-lab run`), else the names of its subdirectories that are runs
# (`iommu-lab vm`: one per guest). Fails when there is none.
lab_guests() {
	local f
	LAB_GUESTS=()
	if [ -f "$1/results.jsonl" ]; then
		LAB_GUESTS=(.)
		return 0
	fi
	# (sorted as names: the glob puts x86_64-ss/ before x86_64/)
	while IFS= read -r f; do
		LAB_GUESTS+=("$f")
	done < <(for f in "$1"/*/results.jsonl; do [ -f "$f" ] && basename "$(dirname "$f")"; done | LC_ALL=C sort)
	[ ${#LAB_GUESTS[@]} -gt 0 ]
}

# lab_flatten RUN OUT : RUN's records as iommu-lab-results lines in OUT, its
# run.json in OUT.run (empty without one). Fails, with the tool's message on
# stderr, when the JSON is broken.
lab_flatten() {
	"$LAB_LIBEXEC/iommu-lab-results" "$1/results.jsonl" > "$2" || return 1
	: > "$2.run"
	[ ! -f "$1/run.json" ] || "$LAB_LIBEXEC/iommu-lab-results" --run "$1/run.json" > "$2.run"
}

# lab_run_field FLAT KEY : a run.json member from lab_flatten's output; for the
# platform and kernel, the first record's when run.json lacks them.
lab_run_field() {
	local v
	v=$(awk -F'\t' -v k="$2" '$2 == k { print $3; exit }' "$1.run")
	if [ -z "$v" ]; then
		case "$2" in
		platform) v=$(awk -F'\t' '$1 == "R" { print $8; exit }' "$1") ;;
		kernel) v=$(awk -F'\t' '$1 == "R" { print $9; exit }' "$1") ;;
		esac
	fi
	printf '%s' "$v"
}
