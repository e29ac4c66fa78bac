# SPDX-License-Identifier: GPL-2.0-only
# `iommu-lab perf`: throughput and DMA API cost of one function in each default
# domain type (identity, strict DMA, lazy DMA-FQ) in the same run, anchored to
# the kernel's dma_map_benchmark; with --block, the same passes of an NVMe
# namespace through the kernel's own nvme driver, read-only; then the bench_*
# programs (iommufd and module paging domains) and kernel_log. Sourced by
# iommu-lab after run.sh. docs/tests/perf.md says what each figure is.

lab_perf_usage() {
	cat <<'EOT'
usage: iommu-lab perf [--io BDF] [--block /dev/nvmeXnY|auto] [--modes LIST] [--runtime S]
                      [--jobs DIR] [--no-bench] [run options: --testdev BDF ... --vfio BDF ... --out DIR ...]
  --io BDF        the function whose I/O node fio drives (default: the only --testdev);
                  its IOMMU group's default domain type is switched for each mode, so it
                  must be alone in its group
  --block DEV     an NVMe namespace through the kernel's nvme driver, in the same modes:
                  the job files' read-only sections (fio --readonly --direct=1; a section
                  that writes is refused). Its function's group is switched the same way,
                  so the namespace goes away meanwhile and must not be in use. auto: the
                  first namespace of an NVMe function alone in its group and not in use
  --modes LIST    comma-separated: identity, strict (DMA), lazy (DMA-FQ); default all three
  --runtime S     seconds per time-based fio job (default 3)
  --jobs DIR      fio job files (*.fio; default the shipped sweeps)
  --no-bench      only the default-domain passes, not the bench_* programs
Records land in the run's results.jsonl with ids ending @<mode>; ratios to the identity
domain and to dma_map_benchmark are computed in the same run.
EOT
}

# Default domain type names in /sys/kernel/iommu_groups/N/type.
lab_perf_type() { case "$1" in identity) echo identity ;; strict) echo DMA ;; lazy) echo DMA-FQ ;; esac; }

# Metrics of the record being built: lab_perf_metric NAME VALUE UNIT [LO HI]
# (LAB_PERF_M: the members of lab_record's metrics:[ ... ]).
lab_perf_metric() {
	[ -n "$2" ] || return 0
	LAB_PERF_M+=('{' name="$1" value:="$2" unit="$3")
	# The range holds the value too: fio's per-interval samples can miss the
	# job's mean when a short job has one or two of them.
	[ $# -ge 5 ] && [ -n "$4" ] && [ -n "$5" ] &&
		LAB_PERF_M+=(lo:="$(lab_perf_calc '(a < b ? a : b)' "$4" "$2")" hi:="$(lab_perf_calc '(a > b ? a : b)' "$5" "$2")")
	LAB_PERF_M+=('}')
	LAB_PERF_VAL["$LAB_PERF_ID|$1"]=$2
}

# lab_perf_record PROGRAM TEST MODE VERDICT REASON [ENGINE KIND]: write the
# record with the metrics gathered since the last one.
lab_perf_record() {
	local reason_m=(reason="$5") engine_m=(engine:=null)
	[ -n "$5" ] || reason_m=(reason:=null)
	[ -n "${6:-}" ] && engine_m=('engine:{' name="$6" kind="$7" '}')
	lab_record id="$1.$2@$3" program="$1" test="$2@$3" verdict="$4" "${reason_m[@]}" "${engine_m[@]}" \
		platform="$LAB_PERF_PLATFORM" kernel="$(uname -r)" run_id="$LAB_PERF_RUN_ID" duration_ms:=null \
		domain_mode="$3" metrics:[ "${LAB_PERF_M[@]}" ']' >> "$LAB_PERF_OUT" ||
		lab_log "warning: the record of $1.$2@$3 was not written (above: why)"
	LAB_PERF_M=()
}

# A JSON file flattened to "path<TAB>value" lines: lab_perf_flat JSON OUT
lab_perf_flat() { "$LAB_LIBEXEC/iommu-lab-results" --flat "$1" > "$2"; }
# One number from a flattened JSON: lab_perf_get FLAT PATH
lab_perf_get() { awk -F '\t' -v p="$2" '$1 == p { print $2; exit }' "$1"; }
# Arithmetic on decimals: lab_perf_calc 'EXPR' with a, b, c bound to $2 $3 $4
# (+ - * / and comparisons only: busybox awk in the guests has no math library).
# The parentheses keep a '>' in EXPR a comparison (awk reads it as output redirection).
lab_perf_calc() { awk -v a="${2:-0}" -v b="${3:-0}" -v c="${4:-0}" "BEGIN { printf \"%.6g\", ($1) }"; }

# The anchor for fio section SECTION: dma_map_benchmark's SG mode with as many
# one-page entries as the section's requests mapped on average (physically
# contiguous user pages merge, so a 64 KiB request is 1 to 16 entries), in the
# device-write direction of a read.
lab_perf_anchor() {	# MODE SECTION
	local mode=$1 sec=$2 g f
	LAB_PERF_ID="dma_map_benchmark.as_$sec@$mode"
	g=${LAB_PERF_VAL["fio.$sec@$mode|sg_entries_per_request"]:-}
	if [ -z "$g" ]; then
		lab_perf_record dma_map_benchmark "as_$sec" "$mode" SKIP "no figure from fio $sec in this mode"
		return
	fi
	g=$(lab_perf_calc 'int(a + 0.5) < 1 ? 1 : (int(a + 0.5) > 1024 ? 1024 : int(a + 0.5))' "$g")
	if ! "$LAB_LIBEXEC/iommu-lab-dma-anchor" --granule "$g" --seconds "$LAB_PERF_ANCHOR_S" --dir from \
		> "$LAB_PERF_TMP/anchor.json" 2> "$LAB_PERF_TMP/anchor.err"; then
		lab_perf_record dma_map_benchmark "as_$sec" "$mode" SKIP "$(cat "$LAB_PERF_TMP/anchor.err")"
		return
	fi
	f="$LAB_PERF_TMP/anchor.flat"
	lab_perf_flat "$LAB_PERF_TMP/anchor.json" "$f"
	lab_perf_metric sg_entries "$g" ""
	lab_perf_metric map_ns "$(lab_perf_get "$f" map_ns)" ns
	lab_perf_metric map_stddev_ns "$(lab_perf_get "$f" map_stddev_ns)" ns
	lab_perf_metric unmap_ns "$(lab_perf_get "$f" unmap_ns)" ns
	lab_perf_metric unmap_stddev_ns "$(lab_perf_get "$f" unmap_stddev_ns)" ns
	# The benchmark maps without a device transfer: no engine.
	lab_perf_record dma_map_benchmark "as_$sec" "$mode" PASS ""
}

# lab_perf_fio JSON JOBFILE SECTION [FIO OPTION]...: one section of a job file
# run by fio, its JSON output in JSON; fio's throughput and latency figures
# added to the record being built; LAB_PERF_FIO_WHY says why it failed (""
# when fio exited 0 with no job error).
lab_perf_fio() {
	local json=$1 file=$2 sec=$3 f rc err d bw n p
	shift 3
	mkdir -p "$(dirname "$json")"
	fio "$@" --section="$sec" --output-format=json --output="$json" "$file" > "$LAB_PERF_TMP/fio.log" 2>&1
	rc=$?
	f="$LAB_PERF_TMP/fio.flat"
	lab_perf_flat "$json" "$f" 2>/dev/null
	err=$(lab_perf_get "$f" jobs.0.error)
	LAB_PERF_FIO_WHY=""
	[ $rc = 0 ] && [ "${err:-1}" = 0 ] ||
		LAB_PERF_FIO_WHY="fio exit $rc, job error ${err:-none}: $(grep -v '^$' "$LAB_PERF_TMP/fio.log" | tail -n 2)"
	for d in read write; do
		bw=$(lab_perf_get "$f" "jobs.0.$d.bw_bytes")
		[ -n "$bw" ] && [ "$bw" != 0 ] || continue
		# fio's bandwidth samples (KiB/s) give the spread within the job.
		lab_perf_metric "${d}_mib_per_s" "$(lab_perf_calc 'a / 1048576' "$bw")" MiB/s \
			"$(lab_perf_calc 'a / 1024' "$(lab_perf_get "$f" "jobs.0.$d.bw_min")")" \
			"$(lab_perf_calc 'a / 1024' "$(lab_perf_get "$f" "jobs.0.$d.bw_max")")"
		lab_perf_metric "${d}_iops" "$(lab_perf_get "$f" "jobs.0.$d.iops")" ops/s \
			"$(lab_perf_get "$f" "jobs.0.$d.iops_min")" "$(lab_perf_get "$f" "jobs.0.$d.iops_max")"
		for p in 50 99 99.9; do
			n=$(lab_perf_get "$f" "jobs.0.$d.clat_ns.percentile.$(printf '%.6f' "$p")")
			[ -n "$n" ] && lab_perf_metric "${d}_clat_us_p${p/./}" "$(lab_perf_calc 'a / 1000' "$n")" us
		done
	done
}

# One fio job (a section of a job file) against the I/O node.
lab_perf_fio_job() {	# MODE JOBFILE SECTION
	local mode=$1 file=$2 sec=$3 json s ios eng kind verdict=PASS reason=""
	json="$LAB_PERF_DIR/fio/$mode/$sec.json"
	LAB_PERF_ID="fio.$sec@$mode"
	"$LAB_LIBEXEC/iommu-lab-io-stats" "$LAB_PERF_IO" --reset > /dev/null 2>&1
	lab_perf_fio "$json" "$file" "$sec"
	s="$LAB_PERF_TMP/stats.flat"
	"$LAB_LIBEXEC/iommu-lab-io-stats" "$LAB_PERF_IO" > "${json%.json}.io-stats.json" 2>&1
	lab_perf_flat "${json%.json}.io-stats.json" "$s" 2>/dev/null
	ios=$(lab_perf_get "$s" ios)
	if [ -n "$LAB_PERF_FIO_WHY" ]; then
		verdict=FAIL reason=$LAB_PERF_FIO_WHY
	elif [ "${ios:-0}" = 0 ]; then
		verdict=FAIL reason="fio's requests did not reach the I/O node (it counted none): $(head -c 200 "${json%.json}.io-stats.json")"
	elif [ "$(lab_perf_get "$s" domain)" != "$(lab_perf_type "$mode")" ]; then
		verdict=FAIL reason="the I/O node reports default domain '$(lab_perf_get "$s" domain)', not $(lab_perf_type "$mode")"
	fi
	if [ "${ios:-0}" != 0 ]; then
		lab_perf_metric map_ns "$(lab_perf_get "$s" map_ns_mean)" ns
		lab_perf_metric map_stddev_ns "$(lab_perf_get "$s" map_ns_stddev)" ns
		lab_perf_metric unmap_ns "$(lab_perf_get "$s" unmap_ns_mean)" ns
		lab_perf_metric unmap_stddev_ns "$(lab_perf_get "$s" unmap_ns_stddev)" ns
		lab_perf_metric sg_entries_per_request "$(lab_perf_calc 'a / b' "$(lab_perf_get "$s" segments)" "$ios")" ""
		lab_perf_metric engine_us_per_request "$(lab_perf_calc 'a / b / 1000' "$(lab_perf_get "$s" engine_ns)" "$ios")" us
	fi
	lab_perf_ratios "$mode"
	eng=$(lab_perf_get "$s" engine) kind=$(lab_perf_get "$s" engine_kind)
	lab_perf_record fio "$sec" "$mode" "$verdict" "$reason" "$eng" "$kind"
}

# Every throughput figure of the record being built, over the same figure in
# the identity pass (measured first in the same run).
lab_perf_ratios() {	# MODE
	local mode=$1 k name base id=${LAB_PERF_ID%@*}
	[ "$mode" = identity ] && return 0
	for k in "${!LAB_PERF_VAL[@]}"; do
		[ "${k%%|*}" = "$LAB_PERF_ID" ] || continue
		name=${k#*|}
		case "$name" in *_mib_per_s|*_iops) ;; *) continue ;; esac
		base=${LAB_PERF_VAL["$id@identity|$name"]:-}
		[ -n "$base" ] && [ "$base" != 0 ] &&
			lab_perf_metric "${name}_to_identity" "$(lab_perf_calc 'a / b' "${LAB_PERF_VAL[$k]}" "$base")" ratio
	done
	return 0
}

# The I/O node's map/unmap cost per request of SECTION next to
# dma_map_benchmark's for as many entries, both measured in this mode.
lab_perf_compare_anchor() {	# MODE SECTION
	local mode=$1 sec=$2 io="fio.$2@$1" an="dma_map_benchmark.as_$2@$1" im iu bm bu
	im=${LAB_PERF_VAL["$io|map_ns"]:-} iu=${LAB_PERF_VAL["$io|unmap_ns"]:-}
	bm=${LAB_PERF_VAL["$an|map_ns"]:-} bu=${LAB_PERF_VAL["$an|unmap_ns"]:-}
	LAB_PERF_ID="anchor.$sec@$mode"
	if [ -z "$im" ] || [ -z "$bm" ] || [ "$bm" = 0 ] || [ "${bu:-0}" = 0 ]; then
		lab_perf_record anchor "$sec" "$mode" SKIP "no figure from $([ -z "$im" ] && echo "fio $sec" || echo "dma_map_benchmark") in this mode"
		return
	fi
	lab_perf_metric sg_entries "${LAB_PERF_VAL["$an|sg_entries"]}" ""
	lab_perf_metric io_node_map_ns "$im" ns
	lab_perf_metric dma_map_benchmark_map_ns "$bm" ns
	lab_perf_metric map_ratio "$(lab_perf_calc 'a / b' "$im" "$bm")" ratio
	lab_perf_metric io_node_unmap_ns "$iu" ns
	lab_perf_metric dma_map_benchmark_unmap_ns "$bu" ns
	lab_perf_metric unmap_ratio "$(lab_perf_calc 'a / b' "$iu" "$bu")" ratio
	lab_perf_metric map_unmap_ratio "$(lab_perf_calc '(a + b) / c' "$im" "$iu" "$(lab_perf_calc 'a + b' "$bm" "$bu")")" ratio
	lab_perf_record anchor "$sec" "$mode" PASS ""
}

# lab_perf_switch BDF MODE DRIVER: BDF's IOMMU group in MODE's default domain
# type (which the kernel changes only while no driver is bound) and BDF bound
# to DRIVER again; prints why not, nothing when done.
lab_perf_switch() {
	local bdf=$1 type grp
	type=$(lab_perf_type "$2")
	grp="/sys/kernel/iommu_groups/$(basename "$(readlink "/sys/bus/pci/devices/$bdf/iommu_group")")"
	lab_driver_detach "$bdf"
	if ! echo "$type" 2> "$LAB_PERF_TMP/type.err" > "$grp/type"; then
		echo "the kernel refused default domain type $type for $(basename "$grp"): $(sed 's/.*: //' "$LAB_PERF_TMP/type.err")"
	elif [ "$(cat "$grp/type")" != "$type" ]; then
		echo "$(basename "$grp") reports type $(cat "$grp/type") after $type was written"
	elif ! lab_driver_attach "$bdf" "$3"; then
		echo "$bdf did not bind to $3"
	fi
}

# The sections of a job file: its [name] lines but [global].
lab_perf_sections() { sed -n 's/^\[\(.*\)\]$/\1/p' "$1" | grep -vx global; }

# One default domain type: switch the group, every fio job, the anchor.
lab_perf_mode() {	# MODE
	local mode=$1 file sec why
	lab_log "perf: $LAB_PERF_IO in a $(lab_perf_type "$mode") default domain ($mode)"
	why=$(lab_perf_switch "$LAB_PERF_IO" "$mode" iommu_testdev)
	for file in "$LAB_PERF_JOBS"/*.fio; do
		for sec in $(lab_perf_sections "$file"); do
			if [ -n "$why" ]; then
				lab_perf_record fio "$sec" "$mode" SKIP "$why"
			else
				lab_perf_fio_job "$mode" "$file" "$sec"
			fi
		done
	done
	# The anchor, on the same function in the same default domain.
	local anchor=""
	if [ -n "$why" ]; then
		anchor=$why
	elif [ ! -d /sys/bus/pci/drivers/dma_map_benchmark ]; then
		anchor="the kernel has no dma_map_benchmark driver (CONFIG_DMA_MAP_BENCHMARK)"
	elif ! lab_driver_attach "$LAB_PERF_IO" dma_map_benchmark; then
		anchor="$LAB_PERF_IO did not bind to dma_map_benchmark"
	fi
	for sec in read-4k read-64k; do
		if [ -n "$anchor" ]; then
			lab_perf_record dma_map_benchmark "as_$sec" "$mode" SKIP "$anchor"
		else
			lab_perf_anchor "$mode" "$sec"
		fi
		lab_perf_compare_anchor "$mode" "$sec"
	done
	lab_driver_detach "$LAB_PERF_IO"
}

# lab_perf_writes JOBFILE SECTION : whether the section writes: its rw (or
# readwrite), else the [global] one, else fio's default (read), names a
# write or a trim.
lab_perf_writes() {
	awk -v want="$2" '
		/^\[.*\]$/ { sec = substr($0, 2, length($0) - 2); next }
		/^[ \t]*(rw|readwrite)[ \t]*=/ {
			v = $0; sub(/^[^=]*=[ \t]*/, "", v); sub(/[ \t]*$/, "", v)
			if (sec == "global") g = v; else if (sec == want) s = v
		}
		END { rw = s != "" ? s : (g != "" ? g : "read"); exit !(rw ~ /write|trim|^rw$|^randrw$/) }' "$1"
}

# One fio job on the --block namespace DEV (read-only, direct I/O: the
# device's DMA, not the page cache).
lab_perf_block_job() {	# MODE JOBFILE SECTION DEV
	local mode=$1 file=$2 sec=$3 dev=$4 verdict=PASS reason="" type
	IOMMU_LAB_IO_NODE=/dev/$dev IOMMU_LAB_IO_SIZE=$LAB_PERF_BLOCK_SIZE \
		lab_perf_fio "$LAB_PERF_DIR/fio-block/$mode/$sec.json" "$file" "$sec" --readonly --direct=1
	type=$(cat "$LAB_PERF_BLOCK_GRP/type")
	if [ -n "$LAB_PERF_FIO_WHY" ]; then
		verdict=FAIL reason=$LAB_PERF_FIO_WHY
	elif [ "$type" != "$(lab_perf_type "$mode")" ]; then
		verdict=FAIL reason="$(basename "$LAB_PERF_BLOCK_GRP") of $LAB_PERF_BLOCK_BDF reports default domain '$type', not $(lab_perf_type "$mode")"
	fi
	lab_perf_ratios "$mode"
	# The kernel's nvme driver moves the data by the device's own DMA.
	lab_perf_record fio_block "$sec" "$mode" "$verdict" "$reason" nvme device
}

# One default domain type for the --block namespace: its function's group
# switched (the namespace goes away and comes back on the nvme driver), then
# every section that only reads.
lab_perf_block_mode() {	# MODE
	local mode=$1 file sec why=$LAB_PERF_BLOCK_WHY dev=""
	if [ -z "$why" ]; then
		lab_log "perf: $LAB_PERF_BLOCK_BDF (namespace $LAB_PERF_BLOCK_NSID) in a $(lab_perf_type "$mode") default domain ($mode), through the nvme driver"
		why=$(lab_perf_switch "$LAB_PERF_BLOCK_BDF" "$mode" nvme)
	fi
	if [ -z "$why" ]; then
		dev=$(lab_nvme_wait_ns "$LAB_PERF_BLOCK_BDF" "$LAB_PERF_BLOCK_NSID") ||
			why="namespace $LAB_PERF_BLOCK_NSID of $LAB_PERF_BLOCK_BDF did not come back on the nvme driver within ${LAB_NVME_WAIT_S}s"
	fi
	for file in "$LAB_PERF_JOBS"/*.fio; do
		for sec in $(lab_perf_sections "$file"); do
			LAB_PERF_ID="fio_block.$sec@$mode"
			if lab_perf_writes "$file" "$sec"; then
				lab_perf_record fio_block "$sec" "$mode" SKIP "the section writes: perf --block runs only the sections that read (the namespace is never written)"
			elif [ -n "$why" ]; then
				lab_perf_record fio_block "$sec" "$mode" SKIP "$why"
			else
				lab_perf_block_job "$mode" "$file" "$sec" "$dev"
			fi
		done
	done
}

# lab_perf_block_pick DEV : the --block namespace: LAB_PERF_BLOCK_BDF, _NSID,
# _SIZE (bytes), _GRP; or for `auto` with none fit, LAB_PERF_BLOCK_WHY.
# A named namespace that does not fit stops perf before anything changes.
lab_perf_block_pick() {
	local want=${1#/dev/} d bdf name nsid lbs lbas grp why="" tried=""
	LAB_PERF_BLOCK_BDF="" LAB_PERF_BLOCK_WHY=""
	for d in /sys/bus/pci/devices/*; do
		bdf=$(basename "$d")
		lab_nvme_is "$bdf" || continue
		while IFS=$'\t' read -r name nsid lbs lbas _; do
			[ -n "$name" ] || continue
			[ "$want" = auto ] || [ "$name" = "$want" ] || continue
			grp=""
			[ -e "$d/iommu_group" ] && grp="/sys/kernel/iommu_groups/$(basename "$(readlink "$d/iommu_group")")"
			if [ -z "$grp" ]; then
				why="$bdf ($name) is not behind an IOMMU (no iommu_group)"
			elif [ "$(ls "$grp/devices" | wc -l)" != 1 ]; then
				why="$bdf ($name) shares $(basename "$grp") with other functions; its default domain cannot be switched alone"
			elif ! lab_nvme_tool --nvme-uses "$bdf" > "$LAB_PERF_TMP/uses" 2>&1; then
				why="$bdf ($name): its namespaces are in use: $(tr '\n' ' ' < "$LAB_PERF_TMP/uses")"
			else
				LAB_PERF_BLOCK_BDF=$bdf LAB_PERF_BLOCK_NSID=$nsid LAB_PERF_BLOCK_SIZE=$((lbs * lbas))
				LAB_PERF_BLOCK_GRP=$grp
				return 0
			fi
			[ "$want" = auto ] || lab_die "perf --block: $why"
			tried+="${tried:+; }$why"
			break	# one namespace per function: the others share its group
		done <<< "$(lab_nvme_namespaces "$bdf")"
	done
	[ "$want" = auto ] ||
		lab_die "perf --block: $1 is not a namespace the nvme driver shows for an NVMe function (iommu-lab discover lists them)"
	LAB_PERF_BLOCK_WHY="--block auto: no NVMe namespace fits${tried:+ ($tried)}$( [ -n "$tried" ] || { [ -d /sys/bus/pci/drivers/nvme ] && echo ": the nvme driver shows none" || echo ": the kernel has no nvme driver loaded (CONFIG_BLK_DEV_NVME)"; })"
}

# lab_perf ARGS: iommu-lab perf.
lab_perf() {
	local modes="identity,strict,lazy" runtime=3 jobs="" bench=1 io="" block="" run_args=() testdev=() out="" m a
	local orig_type orig_drv="" grp
	while [ $# -gt 0 ]; do
		case "$1" in
		--io) [ $# -ge 2 ] || lab_die "--io needs a PCI address"; io=$2; shift 2 ;;
		--block) [[ "${2:-}" =~ ^(auto|(/dev/)?nvme[0-9]+n[0-9]+)$ ]] ||
				lab_die "--block needs an NVMe namespace (/dev/nvmeXnY) or auto"
			block=$2; shift 2 ;;
		--modes) [[ "${2:-}" =~ ^(identity|strict|lazy)(,(identity|strict|lazy))*$ ]] ||
				lab_die "--modes: identity, strict, lazy, comma-separated"
			modes=$2; shift 2 ;;
		--runtime) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] && [ "$2" -le 600 ] || lab_die "--runtime needs seconds (1..600)"
			runtime=$2; shift 2 ;;
		--jobs) [ -d "${2:-}" ] && ls "$2"/*.fio > /dev/null 2>&1 || lab_die "--jobs: no *.fio in '${2:-}'"
			jobs=$(cd "$2" && pwd); shift 2 ;;
		--no-bench) bench=0; shift ;;
		--testdev) [ $# -ge 2 ] || lab_die "--testdev needs a PCI address"; testdev+=("$2"); run_args+=("$1" "$2"); shift 2 ;;
		--out) [ $# -ge 2 ] || lab_die "--out needs a directory"; out=$2; run_args+=("$1" "$2"); shift 2 ;;
		--filter|--timeout) lab_die "perf: $1 is set by the perf command" ;;
		-h|--help) lab_perf_usage; return 0 ;;
		*) run_args+=("$1"); shift ;;
		esac
	done
	if [ -z "$io" ] && [ -z "$block" ]; then
		[ ${#testdev[@]} = 1 ] || lab_die "perf: --io BDF names the function for the I/O node (one of the --testdev functions), or --block DEV an NVMe namespace"
		io=${testdev[0]}
	fi
	[ -z "$io" ] || lab_valid_bdf "$io"
	[ "$(id -u)" = 0 ] || lab_die "perf needs root (it binds functions and switches default domains)"
	command -v fio > /dev/null || lab_die "perf: fio is not installed (Debian package fio)"
	if [ -n "$io" ]; then
		[ -e "/sys/bus/pci/devices/$io/iommu_group" ] || lab_die "perf: $io is not behind an IOMMU (no iommu_group)"
		grp="/sys/kernel/iommu_groups/$(basename "$(readlink "/sys/bus/pci/devices/$io/iommu_group")")"
		[ "$(ls "$grp/devices" | wc -l)" = 1 ] || lab_die "perf: $io shares $(basename "$grp") with other functions; its default domain cannot be switched alone"
	fi
	[ -n "$jobs" ] || for a in "$LAB_INSTALLED_DATA/fio" "$LAB_TOP/tests/fio"; do [ -d "$a" ] && { jobs=$a; break; }; done
	[ -n "$jobs" ] || lab_die "perf: the fio job files are not installed"
	LAB_PERF_TMP=$(mktemp -d)
	[ -z "$block" ] || lab_perf_block_pick "$block"

	LAB_PERF_PLATFORM=$("$LAB_LIBEXEC/iommu-lab-discover" --platform-id) || lab_die "platform discovery failed"
	LAB_PERF_RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)-$LAB_PERF_PLATFORM"
	[ -n "$out" ] || { out="${IOMMU_LAB_RESULTS:-results}/$LAB_PERF_RUN_ID"; run_args+=(--out "$out"); }
	mkdir -p "$out" || lab_die "cannot create $out"
	LAB_PERF_DIR=$out LAB_PERF_IO=$io LAB_PERF_JOBS=$jobs LAB_PERF_ANCHOR_S=2 LAB_PERF_M=()
	LAB_PERF_OUT="$out/perf.jsonl"
	declare -gA LAB_PERF_VAL=()
	: > "$LAB_PERF_OUT"
	export IOMMU_LAB_FIO_RUNTIME=$runtime
	# kernel_log, run after the benches, judges the perf passes too.
	lab_run_mark_start

	if [ -n "$io" ]; then
		# fio splits file names at ':' (a list of files) unless escaped.
		export IOMMU_LAB_IO_NODE="/dev/iommu-testdev/io/${io//:/\\:}"
		orig_type=$(cat "$grp/type")
		[ -e "/sys/bus/pci/devices/$io/driver" ] && orig_drv=$(basename "$(readlink "/sys/bus/pci/devices/$io/driver")")
		if [ ! -d /sys/bus/pci/drivers/iommu_testdev ]; then
			lab_module_load
			LAB_PERF_MODULE_LOADED=1
		fi
		trap 'lab_perf_restore' EXIT
		LAB_PERF_ORIG="$orig_type|$orig_drv|$grp"
		lab_driver_attach "$io" iommu_testdev || lab_die "$io did not bind to iommu_testdev"
		"$LAB_LIBEXEC/iommu-lab-io-stats" "$io" > "$LAB_PERF_TMP/io.json"
		lab_perf_flat "$LAB_PERF_TMP/io.json" "$LAB_PERF_TMP/io.flat" 2> /dev/null
		IOMMU_LAB_IO_SIZE=$(lab_perf_get "$LAB_PERF_TMP/io.flat" store_len)
		[ -n "$IOMMU_LAB_IO_SIZE" ] || lab_die "perf: the I/O node of $io does not answer (is a device engine bound?)"
		export IOMMU_LAB_IO_SIZE
		# identity first: the other modes' ratios need its figures.
		for m in identity strict lazy; do
			[[ ",$modes," == *",$m,"* ]] && lab_perf_mode "$m"
		done
		lab_perf_restore
		trap - EXIT
	fi
	if [ -n "$block" ]; then
		trap 'lab_perf_block_restore' EXIT
		[ -n "$LAB_PERF_BLOCK_BDF" ] && LAB_PERF_BLOCK_ORIG=$(cat "$LAB_PERF_BLOCK_GRP/type")
		for m in identity strict lazy; do
			[[ ",$modes," == *",$m,"* ]] && lab_perf_block_mode "$m"
		done
		lab_perf_block_restore
		trap - EXIT
	fi

	local rc=0
	if [ $bench = 1 ]; then
		LAB_RUN_ID=$LAB_PERF_RUN_ID lab_run --filter 'bench_*' --filter 'kernel_log.*' "${run_args[@]}" || rc=1
	else
		LAB_RUN_ID=$LAB_PERF_RUN_ID lab_run --filter 'kernel_log.*' "${run_args[@]}" || rc=1
	fi
	cat "$LAB_PERF_OUT" >> "$out/results.jsonl"
	lab_json_get verdict "$LAB_PERF_OUT" | grep -qx FAIL && rc=1
	lab_summary "$out/results.jsonl" > "$out/summary.txt"
	lab_log "perf: $(lab_json_get id "$LAB_PERF_OUT" | wc -l) default-domain records in $out/results.jsonl"
	rm -rf "$LAB_PERF_TMP"
	return $rc
}

# Put the --block function's group type back and the function on nvme, and
# wait for its namespace.
lab_perf_block_restore() {
	local bdf=$LAB_PERF_BLOCK_BDF grp=$LAB_PERF_BLOCK_GRP type=${LAB_PERF_BLOCK_ORIG:-}
	[ -n "$bdf" ] && [ -n "$type" ] || return 0
	lab_driver_detach "$bdf"
	[ "$(cat "$grp/type")" = "$type" ] || echo "$type" > "$grp/type" 2>/dev/null ||
		lab_log "warning: could not restore $(basename "$grp") type $type"
	echo "$bdf" > /sys/bus/pci/drivers_probe 2> /dev/null
	lab_nvme_wait_ns "$bdf" "$LAB_PERF_BLOCK_NSID" > /dev/null ||
		lab_log "warning: namespace $LAB_PERF_BLOCK_NSID of $bdf did not come back on the nvme driver within ${LAB_NVME_WAIT_S}s"
	LAB_PERF_BLOCK_ORIG=
}

# Put the function's group type and driver back as they were.
lab_perf_restore() {
	local type drv grp
	IFS='|' read -r type drv grp <<< "$LAB_PERF_ORIG"
	[ -n "$grp" ] || return 0
	lab_driver_detach "$LAB_PERF_IO"
	[ "$(cat "$grp/type")" = "$type" ] || echo "$type" > "$grp/type" 2>/dev/null ||
		lab_log "warning: could not restore $(basename "$grp") type $type"
	[ -n "$drv" ] && { lab_driver_attach "$LAB_PERF_IO" "$drv" || lab_log "warning: $LAB_PERF_IO did not go back to $drv"; }
	echo > "/sys/bus/pci/devices/$LAB_PERF_IO/driver_override"
	if [ "${LAB_PERF_MODULE_LOADED:-0}" = 1 ]; then
		rmmod iommu_testdev || lab_log "warning: rmmod iommu_testdev failed"
		LAB_PERF_MODULE_LOADED=0
	fi
	LAB_PERF_ORIG=
}
