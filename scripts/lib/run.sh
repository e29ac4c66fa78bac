# SPDX-License-Identifier: GPL-2.0-only
# `iommu-lab run` and device binding: the same code on lab hosts and inside
# the testbed guests. Needs bash, coreutils or busybox. Sourced by iommu-lab.
#
# Crash-safe runs: what a run changes is recorded in LAB_STATE before it is
# changed (the owner "PID START BOOT_ID" in run.owner, each function's driver
# in BDF.driver, its NVMe namespaces in BDF.nsids, module.loaded when the run
# loads the module, nvme_scratch.old, the program running in program.pgid);
# a run that ends, however, removes them as it gives everything back. What a
# SIGKILL or a power cut leaves is a stale record: `run` refuses to start over
# it and `iommu-lab restore` gives every function back (docs/install.md).
LAB_STATE=${IOMMU_LAB_STATE:-/run/iommu-lab}
. "$(dirname "${BASH_SOURCE[0]}")/nvme.sh"	# NVMe functions: in-use checks, restore

# lab_valid_bdf BDF : a full PCI address that exists
lab_valid_bdf() {
	[[ "$1" =~ ^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$ ]] || lab_die "'$1' is not a PCI address (DDDD:BB:DD.F)"
	[ -e "/sys/bus/pci/devices/$1" ] || lab_die "no PCI function $1"
}

# lab_driver_detach BDF : no driver bound to BDF, no driver_override left. Fails
# when the driver would not let go.
lab_driver_detach() {
	local d="/sys/bus/pci/devices/$1"
	if [ -e "$d/driver" ]; then
		echo "$1" > "$d/driver/unbind" || return 1
	fi
	echo > "$d/driver_override"
}

# lab_driver_attach BDF DRIVER : BDF bound to DRIVER through driver_override
# (whatever had it is unbound first). 0 when DRIVER has it; nothing is
# remembered (lab_bind remembers).
lab_driver_attach() {
	local d="/sys/bus/pci/devices/$1"
	lab_driver_detach "$1" || return 1
	echo "$2" > "$d/driver_override" || return 1
	echo "$1" > /sys/bus/pci/drivers_probe 2>/dev/null
	[ -e "$d/driver" ] && [ "$(basename "$(readlink "$d/driver")")" = "$2" ]
}

# lab_give_back BDF DRIVER : BDF bound to DRIVER again (none: left unbound),
# driver_override cleared either way. 0 when it is where it was.
lab_give_back() {
	local d="/sys/bus/pci/devices/$1"
	[ -n "$2" ] || { echo > "$d/driver_override"; return 0; }
	lab_driver_attach "$1" "$2"
	local rc=$?
	echo > "$d/driver_override"	# clearing it leaves the driver bound
	return $rc
}

# lab_bind BDF DRIVER : hand one function to DRIVER via driver_override (its
# module loaded first where the kernel has it as a module); the previous
# driver is remembered in $LAB_STATE (before anything changes) so unbind can restore it (a
# function this run already holds keeps its first record: the driver it had
# before the run). When the function does not bind, it goes back to the
# driver it had, with no driver_override left, before the error. An NVMe
# function on the nvme driver whose namespaces are in use is refused before
# anything changes (lab_nvme_check_unused); given back, it is waited for
# until its namespaces reappear.
lab_bind() {
	local bdf=$1 drv=$2 d="/sys/bus/pci/devices/$1" cur="" rec="$LAB_STATE/$1.driver" held=0
	lab_valid_bdf "$bdf"
	[[ "$drv" =~ ^[a-z0-9_-]+$ ]] || lab_die "bad driver name '$drv'"
	[ "$(id -u)" = 0 ] || lab_die "bind needs root"
	[ -e "$d/driver" ] && cur=$(basename "$(readlink "$d/driver")")
	[ "$cur" = "$drv" ] && return 0
	[ -d "/sys/bus/pci/drivers/$drv" ] || modprobe "$drv" 2> /dev/null ||
		lab_die "no $drv driver: not built in, and 'modprobe $drv' failed; nothing was changed on $bdf"
	lab_nvme_is "$bdf" && [ "$cur" = nvme ] && lab_nvme_check_unused "$bdf" "$drv"
	mkdir -p "$LAB_STATE"
	if [ -f "$rec" ]; then held=1; else echo "${cur:-none}" > "$rec"; fi
	[ "$cur" = nvme ] && [ $held = 0 ] && lab_nvme_remember "$bdf"
	[ -n "$cur" ] && { lab_driver_detach "$bdf" || lab_die "cannot unbind $bdf from $cur"; }
	if ! lab_driver_attach "$bdf" "$drv"; then
		lab_driver_detach "$bdf"
		[ $held = 1 ] || rm -f "$rec"
		lab_give_back "$bdf" "$cur" ||
			lab_die "$bdf did not bind to $drv, and did not go back to $cur: it has no driver now"
		[ "$cur" = nvme ] && { lab_nvme_wait_back "$bdf" || lab_die "$bdf did not bind to $drv; given back to nvme, but its namespaces did not come back"; }
		[ $held = 1 ] || rm -f "$LAB_STATE/$bdf.nsids"
		lab_die "$bdf did not bind to $drv; given back to ${cur:-no driver}"
	fi
}

# lab_unbind BDF : BDF back to the driver it had before the run; an NVMe
# function back on nvme is waited for until its namespaces reappear (1 if
# they do not).
lab_unbind() {
	local bdf=$1 prev=none rc=0
	lab_valid_bdf "$bdf"
	[ -f "$LAB_STATE/$bdf.driver" ] && prev=$(cat "$LAB_STATE/$bdf.driver")
	lab_driver_detach "$bdf"
	# Through driver_override, cleared after: the recorded driver gets it even
	# when it binds only by override (vfio-pci, iommu_testdev) or another
	# driver would claim it first.
	[ "$prev" != none ] && lab_give_back "$bdf" "$prev"
	[ "$prev" = nvme ] && { lab_nvme_wait_back "$bdf" || rc=1; }
	# Kept when the function is not back where it was: restore tries again.
	[ "$prev" = none ] || [ "$(lab_driver_of "$bdf")" = "$prev" ] || {
		lab_log "error: $bdf did not go back to $prev (record kept in $LAB_STATE)"; return 1; }
	rm -f "$LAB_STATE/$bdf.driver" "$LAB_STATE/$bdf.nsids"
	return $rc
}

# The identity of process PID: "PID START BOOT_ID" (START: its start time in
# clock ticks since boot, /proc/PID/stat field 22), which a later process
# with the same PID, or the same PID after a reboot, does not have.
lab_proc_id() {
	local start boot
	start=$(sed 's/.*) //' "/proc/$1/stat" 2> /dev/null | cut -d' ' -f20) || return 1
	[ -n "$start" ] || return 1
	boot=$(cat /proc/sys/kernel/random/boot_id 2> /dev/null || echo unknown)
	echo "$1 $start $boot"
}

# lab_state_alive FILE : the process FILE names ("PID START BOOT_ID") still runs.
lab_state_alive() {
	local pid rest
	read -r pid rest < "$1" 2> /dev/null || return 1
	[[ "$pid" =~ ^[0-9]+$ ]] && [ "$(lab_proc_id "$pid")" = "$pid $rest" ]
}

# lab_state_describe : one line per record in LAB_STATE, for the refusal and restore.
lab_state_describe() {
	local f b
	for f in "$LAB_STATE"/*.driver; do
		[ -f "$f" ] || continue
		b=$(basename "$f" .driver)
		echo "  $b: on $(lab_driver_of "$b") now, was on $(cat "$f")"
	done
	[ -f "$LAB_STATE/module.loaded" ] && echo "  iommu_testdev: loaded by the run"
	[ -f "$LAB_STATE/nvme_scratch.old" ] && echo "  iommu_testdev's nvme_scratch: set by the run"
	return 0
}

# lab_state_check : return when no other run holds LAB_STATE; stop naming
# the live run, or naming `iommu-lab restore` over a dead run's records.
lab_state_check() {
	local own="$LAB_STATE/run.owner" pid
	[ -f "$own" ] || return 0
	read -r pid _ < "$own"
	lab_state_alive "$own" &&
		lab_die "another iommu-lab run (pid $pid) holds the functions recorded in $LAB_STATE; wait for it to end
$(lab_state_describe)"
	lab_die "a run (pid $pid) ended without giving back what it took (killed, or the machine lost power?):
$(lab_state_describe)
  Run 'iommu-lab restore' first: it gives every function back to its driver (records in $LAB_STATE)."
}

# lab_state_claim : this run owns LAB_STATE (written before anything changes).
lab_state_claim() {
	mkdir -p "$LAB_STATE" || lab_die "cannot create $LAB_STATE"
	lab_proc_id "$$" > "$LAB_STATE/run.owner.tmp" && mv -f "$LAB_STATE/run.owner.tmp" "$LAB_STATE/run.owner" ||
		lab_die "cannot write $LAB_STATE/run.owner"
}

# lab_restore : `iommu-lab restore`: after a run that was killed (or a power
# cut, with a persistent IOMMU_LAB_STATE), stop the program it left running,
# give every recorded function back to its driver (driver_override cleared,
# NVMe namespaces waited for), put the module's nvme_scratch back, unload the
# module if the run loaded it, and drop the records. 1 when something did
# not go back (its record is kept: run it again once fixed).
lab_restore() {
	local f b rc=0 pg
	[ $# = 0 ] || lab_die "usage: iommu-lab restore"
	[ "$(id -u)" = 0 ] || lab_die "restore needs root"
	[ -d "$LAB_STATE" ] || { lab_log "nothing to restore: no $LAB_STATE"; return 0; }
	if [ -f "$LAB_STATE/run.owner" ] && lab_state_alive "$LAB_STATE/run.owner"; then
		lab_die "the run (pid $(cut -d' ' -f1 "$LAB_STATE/run.owner")) that holds these functions is still running; stop it (SIGINT) and it gives them back itself"
	fi
	# The program the killed run started may still hold a function (its
	# VFIO file): the whole process group goes first.
	if [ -f "$LAB_STATE/program.pgid" ] && lab_state_alive "$LAB_STATE/program.pgid"; then
		pg=$(cut -d' ' -f1 "$LAB_STATE/program.pgid")
		lab_log "stopping what the run left running (process group $pg)"
		kill -KILL -- "-$pg" 2> /dev/null
		for _ in $(seq 50); do kill -0 -- "-$pg" 2> /dev/null || break; sleep 0.1; done
	fi
	for f in "$LAB_STATE"/*.driver; do
		[ -f "$f" ] || continue
		b=$(basename "$f" .driver)
		if [ ! -e "/sys/bus/pci/devices/$b" ]; then	# removed since: nothing to give back
			lab_log "$b: no such PCI function any more; its record is dropped"
			rm -f "$f" "$LAB_STATE/$b.nsids"
			continue
		fi
		lab_log "$b: back to $(cat "$f") (on $(lab_driver_of "$b") now)"
		( lab_unbind "$b" ) || { rc=1; lab_log "error: $b did not go back to $(cat "$f" 2> /dev/null)"; }
	done
	if [ -f "$LAB_STATE/nvme_scratch.old" ]; then
		[ -e "$LAB_NVME_PARAM" ] && cat "$LAB_STATE/nvme_scratch.old" > "$LAB_NVME_PARAM"
		rm -f "$LAB_STATE/nvme_scratch.old"
	fi
	if [ -f "$LAB_STATE/module.loaded" ] && [ $rc = 0 ]; then
		if [ -d /sys/module/iommu_testdev ] && ! rmmod iommu_testdev; then
			rc=1; lab_log "error: rmmod iommu_testdev failed"
		else
			rm -f "$LAB_STATE/module.loaded"
		fi
	fi
	rm -f "$LAB_STATE"/*.sums "$LAB_STATE"/*.lost "$LAB_STATE/program.pgid"
	if [ $rc = 0 ]; then
		rm -f "$LAB_STATE/run.owner"
		lab_log "restored: every recorded function is back on its driver"
	else
		lab_log "not everything went back: records kept in $LAB_STATE"
	fi
	return $rc
}

# The module: installed next to the tools, in the build tree, or (the
# iommu-lab-dkms package) built by DKMS for the running kernel.
lab_module_path() {
	local m
	for m in "$LAB_LIBEXEC/modules/iommu_testdev.ko" "$(dirname "$LAB_LIBEXEC")/drivers/testdev/iommu_testdev.ko"; do
		[ -f "$m" ] && { echo "$m"; return 0; }
	done
	m=$(modinfo -n iommu_testdev 2> /dev/null) && [ -f "$m" ] && { echo "$m"; return 0; }
	lab_die "iommu_testdev.ko is not built for $(uname -r) (configure found no kernel tree? see the configure summary; or install iommu-lab-dkms)"
}

# lab_module_load : load the module; it depends on no other module, so
# insmod of the file lab_module_path finds (a compressed DKMS build through modprobe).
lab_module_load() {
	local m
	m=$(lab_module_path)
	case "$m" in
	*.ko) insmod "$m" ;;
	*) modprobe iommu_testdev ;;
	esac || lab_die "cannot load $m"
}


# Give back what lab_run took: VFIO devices, the module's device, the module.
lab_run_restore() {
	local a
	for a in "${LAB_RUN_VFIO[@]}"; do lab_unbind "$a"; done
	for a in "${LAB_RUN_TESTDEV[@]}"; do lab_unbind "$a"; done
	lab_nvme_param_restore
	LAB_RUN_UNLOAD=""
	if [ "$LAB_RUN_MODULE_LOADED" = 1 ]; then
		# For the run's record of the unload: reports from here on are its.
		LAB_RUN_UNLOAD_SEQ=$("$LAB_LIBEXEC/iommu-lab-discover" --kmsg-seq 2>/dev/null || echo 0)
		if LAB_RUN_UNLOAD_ERR=$(rmmod iommu_testdev 2>&1); then
			LAB_RUN_UNLOAD=ok
		else
			LAB_RUN_UNLOAD=failed
			lab_log "warning: rmmod iommu_testdev failed: $LAB_RUN_UNLOAD_ERR"
		fi
	fi
	rm -f "$LAB_STATE/module.loaded" "$LAB_STATE/program.pgid"
	# The run's claim ends once nothing it recorded is left.
	if [ "${LAB_RUN_CLAIMED:-0}" = 1 ]; then
		if compgen -G "$LAB_STATE/*.driver" > /dev/null; then
			lab_log "warning: not every function went back; records kept in $LAB_STATE (iommu-lab restore)"
		else
			rm -f "$LAB_STATE/run.owner"
		fi
		LAB_RUN_CLAIMED=0
	fi
	LAB_RUN_VFIO=() LAB_RUN_TESTDEV=() LAB_RUN_MODULE_LOADED=0
}

# lab_unload_record : the record of the module's unload at the end of the run
# (runner_restore.module.unloads_cleanly): PASS when the run loaded the
# module and rmmod took it away with no kernel report (lab_kmsg_is_report's
# list) logged from the rmmod on; SKIP when the module was there before the
# run (it stays loaded). kernel_log has run by then: this is the one check of
# what the unload itself logs. docs/tests/runner.md.
lab_unload_record() {
	local verdict=PASS reason="" said first
	case "$LAB_RUN_UNLOAD" in
	"") verdict=SKIP reason="iommu_testdev was loaded before the run: the run leaves it loaded" ;;
	failed) verdict=FAIL reason="rmmod iommu_testdev failed: $LAB_RUN_UNLOAD_ERR" ;;
	ok)
		if [ -d /sys/module/iommu_testdev ]; then
			verdict=FAIL reason="rmmod iommu_testdev returned, but /sys/module/iommu_testdev is still there"
		elif ! said=$("$LAB_LIBEXEC/iommu-lab-discover" --kmsg-reports "$LAB_RUN_UNLOAD_SEQ" 2>&1); then
			# (it says the number of reports, then the first one)
			first=$(sed -n 2p <<< "$said")
			verdict=FAIL reason="kernel report during the unload: $first"
			[ -n "$first" ] || reason="the kernel log could not be read: $said"
		fi ;;
	esac
	[ $verdict = FAIL ] && lab_log "FAIL: $reason"
	local reason_m=(reason="$reason")
	[ -n "$reason" ] || reason_m=(reason:=null)
	lab_record id=runner_restore.module.unloads_cleanly program=runner_restore test=module.unloads_cleanly \
		verdict=$verdict "${reason_m[@]}" engine:=null platform="${LAB_RUN_PLATFORM:-}" kernel="$(uname -r)" \
		run_id="${LAB_RUN_RUN_ID:-}" duration_ms:=null metrics:[ ']'
}

# Tests that read the kernel log start from here; kmemleak forgets older
# suspects (scan first: clear only forgets suspects it has already found).
lab_run_mark_start() {
	IOMMU_LAB_KMSG_SEQ=$("$LAB_LIBEXEC/iommu-lab-discover" --kmsg-seq 2>/dev/null || echo 0)
	export IOMMU_LAB_KMSG_SEQ
	LAB_RUN_MARKED=1
	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo scan > /sys/kernel/debug/kmemleak 2>/dev/null
		echo clear > /sys/kernel/debug/kmemleak 2>/dev/null
	fi
}

lab_run_usage() {
	cat <<'EOT'
usage: iommu-lab run [--filter GLOB] [--out DIR] [--timeout SECONDS] [--vfio BDF]...
                     [--testdev BDF] [--nvme-scratch SPEC]... [--stream FILE] [--disposable]
  --filter GLOB   run only tests whose id (program.fixture.variant.test) matches GLOB;
                  repeat to run the tests matching any of them
  --out DIR       results directory (default: ./results/<run-id>)
  --timeout S     per-program time limit, default 900
  --vfio BDF      bind BDF to vfio-pci for the run (restored afterwards)
  --testdev BDF   hand BDF to iommu_testdev for the run (loads the module; restored afterwards);
                  repeat for several devices: each DMA test runs once per engine found.
                  An NVMe function (either option) whose namespaces are mounted, held
                  (RAID, LVM), swapped on or open is refused, naming the user; it goes
                  back to the nvme driver afterwards (docs/nvme.md)
  --nvme-scratch [BDF@]NSID:LBA+COUNT[,...]
                  LBAs of a handed NVMe function its engines may write (checked against
                  the namespace; repeatable). Without one, nothing is ever written
  --stream FILE   also write each JSON record to FILE as it completes
  --disposable    this machine may be rebooted after the run (a testbed guest): also run the
                  tests that, on a kernel with a known bug, leave a device unusable until reboot
EOT
}

lab_run() {
	local filters=() out="" timeout=900 stream="" vfio=() testdev=() scratch=() a f
	unset IOMMU_LAB_DISPOSABLE
	while [ $# -gt 0 ]; do
		case "$1" in
		--filter) [ -n "${2:-}" ] || lab_die "--filter needs a glob"; filters+=("$2"); shift 2 ;;
		--out) [ $# -ge 2 ] || lab_die "--out needs a directory"; out=$2; shift 2 ;;
		--timeout) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || lab_die "--timeout needs a positive number of seconds"; timeout=$2; shift 2 ;;
		--vfio) [ $# -ge 2 ] || lab_die "--vfio needs a PCI address"; vfio+=("$2"); shift 2 ;;
		--testdev) [ $# -ge 2 ] || lab_die "--testdev needs a PCI address"; testdev+=("$2"); shift 2 ;;
		--nvme-scratch) [ -n "${2:-}" ] || lab_die "--nvme-scratch needs [BDF@]NSID:LBA+COUNT"; scratch+=("$2"); shift 2 ;;
		--stream) [ $# -ge 2 ] || lab_die "--stream needs a file"; stream=$2; shift 2 ;;
		--disposable) export IOMMU_LAB_DISPOSABLE=1; shift ;;
		-h|--help) lab_run_usage; return 0 ;;
		*) lab_run_usage >&2; lab_die "run: unknown argument '$1'" ;;
		esac
	done
	local suite platform kernel run_id filter="${filters[*]}"
	suite=$(lab_suite_dir)
	[ -f "$suite/suite.list" ] || lab_die "no suite.list in $suite"
	# Devices handed to the suite go back however the run ends (error, Ctrl-C);
	# after a SIGKILL or a power cut the records let `iommu-lab restore` do it.
	LAB_RUN_VFIO=() LAB_RUN_TESTDEV=() LAB_RUN_MODULE_LOADED=0 LAB_RUN_CLAIMED=0
	if [ $(( ${#vfio[@]} + ${#testdev[@]} )) -gt 0 ]; then
		[ "$(id -u)" = 0 ] || lab_die "handing functions to the run needs root"
		lab_state_check
		lab_state_claim
		LAB_RUN_CLAIMED=1
	fi
	trap lab_run_restore EXIT
	trap 'exit 130' INT TERM	# until the programs run (below)
	# NVMe functions: every one checked (in use? scratch ranges inside its
	# namespaces?) before any function is taken, its media summed for the
	# comparison after the run.
	LAB_NVME_FUNCS=() LAB_NVME_SCRATCH=""
	local -A nvme_pre=()
	for a in "${vfio[@]}" "${testdev[@]}"; do
		lab_valid_bdf "$a"
		lab_nvme_is "$a" || continue
		[[ " ${LAB_NVME_FUNCS[*]} " == *" $a "* ]] && continue
		LAB_NVME_FUNCS+=("$a")
		nvme_pre[$a]=$(lab_driver_of "$a")
		[ "${nvme_pre[$a]}" = nvme ] && lab_nvme_check_unused "$a" "the run"
	done
	lab_nvme_scratch "${scratch[@]}"
	if [ -n "$LAB_NVME_SCRATCH" ]; then
		export IOMMU_LAB_NVME_SCRATCH=$LAB_NVME_SCRATCH
	else
		unset IOMMU_LAB_NVME_SCRATCH
	fi
	for a in "${LAB_NVME_FUNCS[@]}"; do [ "${nvme_pre[$a]}" = nvme ] && lab_nvme_before "$a"; done
	for a in "${vfio[@]}"; do lab_bind "$a" vfio-pci; LAB_RUN_VFIO+=("$a"); done
	# Tests drive only functions handed to them (space-separated).
	IOMMU_LAB_VFIO="${vfio[*]}"
	export IOMMU_LAB_VFIO
	if [ ${#testdev[@]} -gt 0 ]; then
		for a in "${testdev[@]}"; do lab_valid_bdf "$a"; done
		if [ ! -d /sys/bus/pci/drivers/iommu_testdev ]; then
			: > "$LAB_STATE/module.loaded"
			lab_module_load
			LAB_RUN_MODULE_LOADED=1
		fi
		lab_nvme_param_set "${testdev[@]}"	# the nvme engine reads it when it binds
		for a in "${testdev[@]}"; do lab_bind "$a" iommu_testdev; LAB_RUN_TESTDEV+=("$a"); done
		IOMMU_LAB_MODULE=$(lab_module_path)
		IOMMU_LAB_TESTDEV="${testdev[*]}"	# space-separated, for the tests
		export IOMMU_LAB_TESTDEV IOMMU_LAB_MODULE
	fi
	# runner_bind and runner_nvme drive the runner's own bind on these functions.
	IOMMU_LAB_RUNNER=$(realpath "$0")
	export IOMMU_LAB_RUNNER
	# A caller that did work before (perf) marked its own start.
	[ "${LAB_RUN_MARKED:-0}" = 1 ] || lab_run_mark_start
	platform=$("$LAB_LIBEXEC/iommu-lab-discover" --platform-id) || lab_die "platform discovery failed"
	kernel=$(uname -r)
	run_id=${LAB_RUN_ID:-"$(date -u +%Y%m%dT%H%M%SZ)-$platform"}
	[ -n "$out" ] || out="${IOMMU_LAB_RESULTS:-results}/$run_id"
	mkdir -p "$out/logs" || lab_die "cannot create $out"
	lab_commit "$out/results.jsonl" < /dev/null || lab_die "cannot write $out/results.jsonl"
	# Kernel reports a test FAILed for, named so that kernel_log does not
	# FAIL for them again (lab_kmsg_claim_reports(), docs/tests/kernel.md).
	IOMMU_LAB_KMSG_CLAIMS="$out/logs/kmsg.claims"
	rm -f "$IOMMU_LAB_KMSG_CLAIMS"
	export IOMMU_LAB_KMSG_CLAIMS
	"$LAB_LIBEXEC/iommu-lab-discover" --json > "$out/platform.json" 2> "$out/logs/discover.err"
	"$LAB_LIBEXEC/iommu-lab-discover" > "$out/platform.txt" 2>> "$out/logs/discover.err"
	local dmesg_before=0
	dmesg > "$out/logs/dmesg.before" 2>/dev/null && dmesg_before=$(wc -l < "$out/logs/dmesg.before")
	lab_record run_id="$run_id" platform="$platform" kernel="$kernel" filter="$filter" \
		disposable:="$([ -n "${IOMMU_LAB_DISPOSABLE:-}" ] && echo true || echo false)" \
		started="$(date -u +%FT%TZ)" | lab_commit "$out/run.json" || lab_die "cannot write $out/run.json"
	lab_log "run $run_id: platform $platform, kernel $kernel -> $out"

	# The plan: every program and the tests it lists, filtered.
	local progs=() p name ids
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		name=$(basename "$p")
		"$suite/$p" -l > "$out/logs/$name.list" 2>&1 || true	# the harness lists on stderr
		ids=$("$LAB_LIBEXEC/iommu-lab-collect" --program "$name" --print-list "$out/logs/$name.list")
		if [ ${#filters[@]} -gt 0 ]; then
			ids=$(for a in $ids; do for f in "${filters[@]}"; do
				[[ "$a" == $f ]] && { echo "$a"; break; }; done; done)
		fi
		[ -n "$ids" ] || continue
		progs+=("$p")
		printf '%s\n' $ids > "$out/logs/$name.plan"
		[ -n "$stream" ] && "$LAB_LIBEXEC/iommu-lab-collect" --record-each plan < "$out/logs/$name.plan" >> "$stream"
	done < "$suite/suite.list"
	[ -n "$stream" ] && lab_record run_id="$run_id" platform="$platform" kernel="$kernel" >> "$stream"
	[ ${#progs[@]} -gt 0 ] || lab_die "no test matches '${filter}'"

	{ echo "KTAP version 1"; echo "1..${#progs[@]}"; } | lab_commit "$out/ktap.txt"
	# SIGINT/SIGTERM: the running program is told through a stop file
	# (long-running ones such as the stress watch it and report what they
	# did), no further program starts, and the devices go back.
	local i=0 failed=0 args t pid stopped=0
	IOMMU_LAB_STOP_FILE="$out/logs/stop"
	export IOMMU_LAB_STOP_FILE
	rm -f "$IOMMU_LAB_STOP_FILE"
	trap 'stopped=1; : > "$IOMMU_LAB_STOP_FILE"; lab_log "interrupted: stopping (kernel_log still runs)"' INT TERM
	for p in "${progs[@]}"; do
		i=$((i + 1)); name=$(basename "$p"); args=()
		# After a stop only the kernel log check still runs: it judges what ran.
		[ $stopped = 0 ] || [ "$name" = kernel_log ] || continue
		if [ -n "$filter" ]; then
			# Run just the planned tests: harness -r takes fixture.variant.test.
			while IFS= read -r t; do args+=(-r "${t#"$name".}"); done < "$out/logs/$name.plan"
		fi
		lab_log "[$i/${#progs[@]}] $name"
		# The exit status follows the output as "# lab-exit N" (137: killed by timeout).
		# In the background, so that a signal's trap runs at once (bash
		# delays traps until a foreground job ends).
		# The program runs in a process group of its own: recorded, so
		# that `restore` can stop it after the runner was killed.
		# (set -m: a group of its own with busybox's timeout too.)
		{ set -m; timeout -s KILL "$timeout" "$suite/$p" "${args[@]}" 2>&1 < /dev/null &
		  [ "$LAB_RUN_CLAIMED" = 1 ] && lab_proc_id $! > "$LAB_STATE/program.pgid"
		  wait $!; echo "# lab-exit $?"; } |
			"$LAB_LIBEXEC/iommu-lab-collect" --program "$name" --index "$i" --platform "$platform" \
			--kernel "$kernel" --run-id "$run_id" --plan "$out/logs/$name.plan" \
			--log "$out/logs/$name.tap" --ktap "$out/ktap.txt" --json "$out/results.jsonl" \
			${stream:+--stream "$stream"} &
		pid=$!
		while :; do
			wait "$pid"; t=$?
			# Above 128 with the job still there: a trap interrupted the wait.
			[ $t -gt 128 ] && kill -0 "$pid" 2>/dev/null && continue
			break
		done
		[ $t -eq 0 ] || failed=1
	done
	[ $stopped = 0 ] || failed=1

	lab_run_restore
	# Each NVMe function is back on the driver it had, its namespaces with it:
	# compared with what they were before the run (docs/nvme.md).
	# And the module the run loaded went away without a kernel report.
	# The runner's own records, added to the run's like a program's.
	LAB_RUN_PLATFORM=$platform LAB_RUN_RUN_ID=$run_id
	{
		for a in "${LAB_NVME_FUNCS[@]}"; do lab_nvme_record "$a" "${nvme_pre[$a]}"; done
		[ ${#testdev[@]} = 0 ] || lab_unload_record
	} > "$out/logs/restore.json"
	if [ -s "$out/logs/restore.json" ]; then
		lab_commit "$out/results.jsonl" --append < "$out/logs/restore.json"
		[ -n "$stream" ] && cat "$out/logs/restore.json" >> "$stream"
		lab_json_get verdict "$out/logs/restore.json" | grep -qx FAIL && failed=1
	fi
	rm -f "$out/logs/restore.json"
	dmesg 2>/dev/null | tail -n +"$((dmesg_before + 1))" > "$out/dmesg.txt"
	rm -f "$out/logs/dmesg.before"
	trap - EXIT INT TERM
	lab_summary "$out/results.jsonl" | tee "$out/summary.txt.tmp"
	mv -f "$out/summary.txt.tmp" "$out/summary.txt"
	return $failed
}

# lab_summary RESULTS.jsonl : verdict counts and the non-passing tests
# (a null reason printed as null, a string quoted)
lab_summary() {
	local flat
	flat=$("$LAB_LIBEXEC/iommu-lab-results" "$1") || return 1
	awk -F '\t' '$1 == "R" {
		n[$4]++
		if ($4 != "PASS")
			other = other sprintf("  %s %s: %s\n", $4, $2, $5 == "" ? "null" : "\"" $5 "\"")
	}
	END {
		split("PASS FAIL SKIP NOTRUN TIMEOUT", v, " ")
		for (i = 1; i <= 5; i++)
			printf "%s %d  ", v[i], n[v[i]]
		printf "\n%s", other
	}' <<< "$flat"
}

lab_stress_usage() {
	cat <<'EOT'
usage: iommu-lab stress [--duration T] [--seed N] [--loads LIST] [run options: --vfio BDF ... --out DIR ...]
  --duration T    how long: seconds, or with a suffix s, m or h (default 5m, at most 24h)
  --seed N        repeat an earlier run's sequences (its log and results record the seed)
  --loads LIST    what runs beside the DMA threads, comma-separated: replace (HWPT replaces),
                  storm (map/unmap invalidations), none; default replace,storm
Runs stress_dma (concurrent map / DMA pair / verify / unmap with HWPT replaces and
invalidation storms, every byte checked) and then kernel_log (no warning, no leak).
SIGINT or SIGTERM stops it within milliseconds; it reports what it did and hands
the devices back.
EOT
}

# lab_run_duration T: the --duration of stress and fuzz (seconds, or Ns, Nm,
# Nh; at most 24h) in LAB_RUN_DURATION_S, or the run stops with the error.
lab_run_duration() {
	local n unit
	[[ "$1" =~ ^([1-9][0-9]*)([smh]?)$ ]] || lab_die "--duration needs a positive number of seconds (or Ns, Nm, Nh)"
	n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]}
	case "$unit" in m) n=$((n * 60)) ;; h) n=$((n * 3600)) ;; esac
	[ "$n" -le 86400 ] || lab_die "--duration: at most 24h"
	LAB_RUN_DURATION_S=$n
}

# lab_stress ARGS: iommu-lab stress.
lab_stress() {
	local duration=300 run_args=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--duration) lab_run_duration "${2:-}"; duration=$LAB_RUN_DURATION_S; shift 2 ;;
		--seed)
			[[ "${2:-}" =~ ^(0x[0-9a-fA-F]+|[0-9]+)$ ]] || lab_die "--seed needs a number"
			export IOMMU_LAB_STRESS_SEED=$2; shift 2 ;;
		--loads)
			[[ "${2:-}" =~ ^(none|((replace|storm)(,(replace|storm))*))$ ]] || lab_die "--loads: replace, storm, both comma-separated, or none"
			export IOMMU_LAB_STRESS_LOADS=$2; shift 2 ;;
		--filter|--timeout) lab_die "stress: $1 is set by the stress command" ;;
		-h|--help) lab_stress_usage; return 0 ;;
		*) run_args+=("$1"); shift ;;
		esac
	done
	export IOMMU_LAB_STRESS_DURATION=$duration
	lab_run --filter 'stress_dma.stress.*' --filter 'kernel_log.*' --timeout $((duration + 600)) "${run_args[@]}"
}

lab_fuzz_usage() {
	cat <<'EOT'
usage: iommu-lab fuzz [--duration T] [--seed N] [--threads N] [run options: --testdev BDF ... --out DIR ...]
  --duration T    how long: seconds, or with a suffix s, m or h (default 60s, at most 24h)
  --seed N        repeat an earlier run's sequences (its log and record give the seed;
                  default: from the clock)
  --threads N     threads per function, 1..8 (default 2); 1 repeats a run call for call
Runs fuzz_testdev (random sequences of every iommu_testdev ioctl and of the I/O
node on every function handed with --testdev: the errnos the contract names,
and the function sound afterwards) and then kernel_log (no warning, no leak).
docs/fuzz.md.
EOT
}

# lab_fuzz ARGS: iommu-lab fuzz.
lab_fuzz() {
	local duration=60 run_args=() seed
	while [ $# -gt 0 ]; do
		case "$1" in
		--duration) lab_run_duration "${2:-}"; duration=$LAB_RUN_DURATION_S; shift 2 ;;
		--seed)
			[[ "${2:-}" =~ ^(0x[0-9a-fA-F]{1,13}|[0-9]{1,15})$ ]] || lab_die "--seed needs a number below 2^52"
			seed=$2; shift 2 ;;
		--threads)
			[[ "${2:-}" =~ ^[1-8]$ ]] || lab_die "--threads: 1..8"
			export IOMMU_LAB_FUZZ_THREADS=$2; shift 2 ;;
		--filter|--timeout) lab_die "fuzz: $1 is set by the fuzz command" ;;
		-h|--help) lab_fuzz_usage; return 0 ;;
		*) run_args+=("$1"); shift ;;
		esac
	done
	# A seed from the clock when none is given; printed, so the run can be repeated.
	[ -n "${seed:-}" ] || seed=$(( $(date +%s) % 1000000007 ))
	lab_log "fuzz: ${duration}s, seed $seed (iommu-lab fuzz --seed $seed repeats it)"
	export IOMMU_LAB_FUZZ_DURATION=$duration IOMMU_LAB_FUZZ_SEED=$seed
	lab_run --filter 'fuzz_testdev.*' --filter 'kernel_log.*' --timeout $((duration + 600)) "${run_args[@]}"
}
