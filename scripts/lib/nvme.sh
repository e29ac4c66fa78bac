# SPDX-License-Identifier: GPL-2.0-only
# The runner's care for NVMe functions (class 0x010802), which on a lab host
# are somebody's disks: a function whose namespaces are in use is refused
# before anything changes; a function taken from the nvme driver goes back to
# it and the run waits for its namespaces; the media regions next to the
# scratch ranges (and the first MiB) read the same before and after the run;
# --nvme-scratch ranges are checked against the namespaces. docs/nvme.md.
# The checks themselves are C (lib/discover_nvme.c, through iommu-lab-discover).
# Sourced by run.sh.

LAB_NVME_CLASS=0x010802
LAB_NVME_WAIT_S=${IOMMU_LAB_NVME_WAIT_S:-30}	# for namespaces to reappear
LAB_NVME_PARAM=/sys/module/iommu_testdev/parameters/nvme_scratch
LAB_STATE=${LAB_STATE:-${IOMMU_LAB_STATE:-/run/iommu-lab}}	# the run's records (run.sh)
# What is only read here, as by the tools, may come from a fake tree
# (IOMMU_LAB_SYSROOT, for tests/unit/test_nvme_runner.sh).
LAB_SYS=${IOMMU_LAB_SYSROOT:-}

# lab_nvme_is BDF : BDF's class code is NVMe's
lab_nvme_is() { [ "$(cat "$LAB_SYS/sys/bus/pci/devices/$1/class" 2> /dev/null)" = "$LAB_NVME_CLASS" ]; }

lab_nvme_tool() {
	[ -n "${LAB_LIBEXEC:-}" ] && [ -x "$LAB_LIBEXEC/iommu-lab-discover" ] ||
		lab_die "an NVMe function's namespaces are checked by iommu-lab-discover, which is not built (./configure && make, or IOMMU_LAB_BUILD=builddir); nothing was changed"
	"$LAB_LIBEXEC/iommu-lab-discover" "$@"
}

# lab_nvme_namespaces BDF : "NAME NSID LBA_SIZE LBAS MAJOR:MINOR" (tab-separated)
# per namespace the nvme driver shows for BDF; nothing when it shows none.
lab_nvme_namespaces() { lab_nvme_tool --nvme-namespaces "$1"; }

# lab_nvme_check_unused BDF DRIVER : return when no namespace of BDF (or
# partition of one) is mounted, held (RAID, LVM, device-mapper), active swap,
# backing a loop device or open; otherwise stop, naming every user, with
# nothing changed.
lab_nvme_check_unused() {
	local bdf=$1 drv=$2 uses rc
	uses=$(lab_nvme_tool --nvme-uses "$bdf"); rc=$?
	case $rc in
	0) return 0 ;;
	1) lab_die "$bdf is an NVMe function whose namespaces are in use; it was not handed to $drv and nothing was changed:
$(sed 's/^/  /' <<< "$uses")
  Stop these users (umount, swapoff, vgchange -an, mdadm --stop, close the files) or hand over another function." ;;
	*) lab_die "cannot tell whether the namespaces of $bdf are in use (iommu-lab-discover exit $rc); nothing was changed" ;;
	esac
}

# lab_nvme_remember BDF : the NSIDs BDF shows now, for lab_nvme_wait_back.
lab_nvme_remember() {
	lab_nvme_namespaces "$1" | cut -f2 > "$LAB_STATE/$1.nsids"
}

# lab_nvme_wait_back BDF : after BDF went back to the nvme driver, wait until
# every namespace it showed before (lab_nvme_remember) is there again, at
# most IOMMU_LAB_NVME_WAIT_S seconds. 1 if not, with the missing NSIDs said
# (and kept in $LAB_STATE/BDF.lost for the run's record).
lab_nvme_wait_back() {
	local bdf=$1 rec="$LAB_STATE/$1.nsids" want have n missing tries=0
	[ -s "$rec" ] || return 0
	want=$(tr '\n' ' ' < "$rec")
	while :; do
		have=" $(lab_nvme_namespaces "$bdf" | cut -f2 | tr '\n' ' ') "
		missing=""
		for n in $want; do [[ "$have" == *" $n "* ]] || missing+=" $n"; done
		[ -z "$missing" ] && return 0
		[ $tries -ge $((LAB_NVME_WAIT_S * 5)) ] && break
		sleep 0.2
		tries=$((tries + 1))
	done
	echo "$bdf is back on driver $(lab_driver_of "$bdf"), but its namespace(s)$missing did not reappear within ${LAB_NVME_WAIT_S}s (IOMMU_LAB_NVME_WAIT_S); see dmesg" |
		tee "$LAB_STATE/$bdf.lost" | sed 's/^/[iommu-lab] error: /' >&2
	return 1
}

# lab_nvme_wait_ns BDF NSID : the name of BDF's namespace NSID as soon as the
# nvme driver shows it (at most IOMMU_LAB_NVME_WAIT_S seconds); 1 if it does not.
lab_nvme_wait_ns() {
	local tries=0 name
	while :; do
		name=$(lab_nvme_namespaces "$1" | awk -F '\t' -v n="$2" '$2 == n { print $1; exit }')
		[ -n "$name" ] && { echo "$name"; return 0; }
		[ $tries -ge $((LAB_NVME_WAIT_S * 5)) ] && return 1
		sleep 0.2
		tries=$((tries + 1))
	done
}

lab_driver_of() {
	local l
	l=$(readlink "$LAB_SYS/sys/bus/pci/devices/$1/driver" 2> /dev/null) && basename "$l" || echo none
}

# lab_nvme_scratch SPEC... : the --nvme-scratch values checked against the
# NVMe functions handed to the run (LAB_NVME_FUNCS) and their namespaces,
# into LAB_NVME_SCRATCH: comma-separated BDF@NSID:LBA+COUNT (the function
# always named). Stops with the reason on the first bad range.
lab_nvme_scratch() {
	local spec item items bdf nsid lba count line name ns_id lbs lbas found p pstart psize end
	LAB_NVME_SCRATCH=""
	for spec in "$@"; do
		IFS=, read -ra items <<< "$spec"
		[ ${#items[@]} -gt 0 ] || lab_die "--nvme-scratch needs [BDF@]NSID:LBA+COUNT"
		for item in "${items[@]}"; do
			[[ "$item" =~ ^(([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])@)?([0-9]{1,10}):([0-9]{1,18})\+([0-9]{1,18})$ ]] ||
				lab_die "--nvme-scratch: '$item' is not [BDF@]NSID:LBA+COUNT with decimal numbers (e.g. 0000:00:07.0@1:1024+256)"
			bdf=${BASH_REMATCH[2]} nsid=$((10#${BASH_REMATCH[3]}))
			lba=$((10#${BASH_REMATCH[4]})) count=$((10#${BASH_REMATCH[5]}))
			[ ${#LAB_NVME_FUNCS[@]} -gt 0 ] ||
				lab_die "--nvme-scratch $item: no NVMe function (class $LAB_NVME_CLASS) is handed to this run (--vfio or --testdev)"
			if [ -z "$bdf" ]; then
				[ ${#LAB_NVME_FUNCS[@]} = 1 ] ||
					lab_die "--nvme-scratch: '$item' names no function, and ${#LAB_NVME_FUNCS[@]} NVMe functions are handed to this run: write BDF@$item"
				bdf=${LAB_NVME_FUNCS[0]}
			fi
			[[ " ${LAB_NVME_FUNCS[*]} " == *" $bdf "* ]] ||
				lab_die "--nvme-scratch: $bdf is not an NVMe function handed to this run (--vfio or --testdev; handed: ${LAB_NVME_FUNCS[*]:-none})"
			[ "$nsid" -ge 1 ] && [ "$nsid" -le 4294967294 ] || lab_die "--nvme-scratch: '$item': NSID must be 1 .. 4294967294"
			[ "$count" -ge 1 ] || lab_die "--nvme-scratch: '$item': COUNT must be at least 1"
			found=0
			# (a here-string, not <(...): the testbed's /dev has no /dev/fd)
			while IFS=$'\t' read -r name ns_id lbs lbas _; do
				[ -n "$name" ] && [ "$ns_id" = "$nsid" ] || continue
				found=1
				end=$((lba + count))
				[ "$end" -le "$lbas" ] ||
					lab_die "--nvme-scratch: '$item': LBAs $lba..$((end - 1)) lie beyond namespace $nsid of $bdf ($name: $lbas LBAs of $lbs bytes)"
				# A partition there loses what it holds: said, not refused (the range is the lab's choice).
				for p in "$LAB_SYS/sys/class/block/$name/$name"p*; do
					[ -f "$p/start" ] || continue
					pstart=$(cat "$p/start") psize=$(cat "$p/size")	# 512-byte sectors
					[ $((lba * lbs / 512)) -lt $((pstart + psize)) ] && [ $((end * lbs / 512)) -gt "$pstart" ] &&
						lab_log "warning: --nvme-scratch $item overlaps partition $(basename "$p"): the engine's writes overwrite what it holds there"
				done
			done <<< "$(lab_nvme_namespaces "$bdf")"
			if [ $found = 0 ]; then
				if [ -n "$(lab_nvme_namespaces "$bdf")" ]; then
					lab_die "--nvme-scratch: $bdf has no namespace $nsid (it has: $(lab_nvme_namespaces "$bdf" | cut -f2 | tr '\n' ' '))"
				fi
				lab_log "--nvme-scratch $item: $bdf shows no namespaces (driver: $(lab_driver_of "$bdf")), so its engine checks namespace $nsid and the range when it starts"
			fi
			LAB_NVME_SCRATCH+="${LAB_NVME_SCRATCH:+,}$bdf@$nsid:$lba+$count"
		done
	done
}

# lab_nvme_sums BDF : "LABEL<TAB>SHA256" of the first MiB of each namespace
# BDF shows and of the MiB on each side of each scratch range on it (within
# the namespace); labels name the NSID and LBAs, not the device name, which
# may change when the driver takes the function back.
lab_nvme_sums() {
	local bdf=$1 name nsid lbs lbas item s_bdf s_nsid rng lba count mib a b
	while IFS=$'\t' read -r name nsid lbs lbas _; do
		[ -n "$name" ] || continue
		mib=$((1048576 / lbs))
		b=$((mib < lbas ? mib : lbas))
		lab_nvme_sum "$name" "namespace $nsid, the first MiB (LBAs 0..$((b - 1)))" 0 "$b" "$lbs"
		for item in ${LAB_NVME_SCRATCH//,/ }; do
			s_bdf=${item%@*} rng=${item#*@} s_nsid=${rng%%:*}
			[ "$s_bdf" = "$bdf" ] && [ "$s_nsid" = "$nsid" ] || continue
			rng=${rng#*:} lba=${rng%+*} count=${rng#*+}
			a=$((lba > mib ? lba - mib : 0))
			[ "$a" -lt "$lba" ] &&
				lab_nvme_sum "$name" "namespace $nsid, the MiB before scratch $lba+$count (LBAs $a..$((lba - 1)))" "$a" "$((lba - a))" "$lbs"
			a=$((lba + count)) b=$((lba + count + mib > lbas ? lbas : lba + count + mib))
			[ "$a" -lt "$b" ] &&
				lab_nvme_sum "$name" "namespace $nsid, the MiB after scratch $lba+$count (LBAs $a..$((b - 1)))" "$a" "$((b - a))" "$lbs"
		done
	done <<< "$(lab_nvme_namespaces "$bdf")"
}

# lab_nvme_sum DEV LABEL LBA COUNT LBA_SIZE : one line of lab_nvme_sums.
lab_nvme_sum() {
	local sum
	sum=$(dd if="$LAB_SYS/dev/$1" bs="$5" skip="$3" count="$4" 2> /dev/null | sha256sum | cut -d' ' -f1)
	printf '%s\t%s\n' "$2" "$sum"
}

# lab_nvme_before BDF : before the run takes BDF: its NSIDs and the sums.
lab_nvme_before() {
	local bdf=$1
	mkdir -p "$LAB_STATE"
	lab_nvme_sums "$bdf" > "$LAB_STATE/$bdf.sums"
}

# lab_nvme_record BDF PRE_DRIVER : after the run gave BDF back, the record
# of runner_restore.nvme_<BDF>.namespaces_come_back_and_read_the_same
# (':' and '.' of the BDF as '_'), on stdout: PASS when BDF is on the nvme
# driver again with every namespace it had and every sum as before; SKIP when
# it was not on the nvme driver before the run (no namespaces to compare).
lab_nvme_record() {
	local bdf=$1 pre=$2 test verdict=PASS reason="" now before="$LAB_STATE/$1.sums" changed
	test="nvme_${bdf//[:.]/_}.namespaces_come_back_and_read_the_same"
	now=$(lab_driver_of "$bdf")
	if [ "$pre" != nvme ]; then
		verdict=SKIP
		reason="$bdf was not on the nvme driver before the run (driver: $pre$([ -d /sys/bus/pci/drivers/nvme ] ||
			echo "; this kernel has no nvme driver loaded, CONFIG_BLK_DEV_NVME")): no namespaces to compare"
	elif [ "$now" != nvme ]; then
		verdict=FAIL reason="$bdf is on driver '$now' after the run, not back on nvme"
	elif [ -f "$LAB_STATE/$bdf.lost" ]; then
		verdict=FAIL reason=$(cat "$LAB_STATE/$bdf.lost")
	elif [ -f "$before" ]; then
		changed=$(lab_nvme_sums "$bdf" | awk -F '\t' 'NR == FNR { was[$1] = $2; next } { now[$1] = $2 }
			END { for (k in was) if (now[k] != was[k]) printf "%s%s", (n++ ? "; " : ""), k }' "$before" -)
		[ -z "$changed" ] || verdict=FAIL reason="the media changed outside the scratch ranges (sha256 before and after differ): $changed"
	else
		verdict=FAIL reason="no checksums were taken before the run"
	fi
	rm -f "$LAB_STATE/$bdf.lost" "$before"
	[ $verdict = FAIL ] && lab_log "FAIL: $reason"
	local reason_m=(reason="$reason")
	[ -n "$reason" ] || reason_m=(reason:=null)
	lab_record id="runner_restore.$test" program=runner_restore test="$test" verdict=$verdict "${reason_m[@]}" \
		engine:=null platform="${LAB_RUN_PLATFORM:-}" kernel="$(uname -r)" run_id="${LAB_RUN_RUN_ID:-}" \
		duration_ms:=null metrics:[ ']'
}

# lab_nvme_param_set BDF... : the module's nvme_scratch parameter, before the
# functions BDF... are bound to iommu_testdev (its nvme engine reads it at
# probe): the ranges of those that are NVMe functions, or empty (a value an
# earlier run left must not be used). Put back when the run ends.
lab_nvme_param_set() {
	local a item val="" any=0
	for a; do lab_nvme_is "$a" && any=1; done
	[ $any = 1 ] || return 0
	for item in ${LAB_NVME_SCRATCH//,/ }; do
		for a; do [ "${item%@*}" = "$a" ] && val+="${val:+,}$item"; done
	done
	if [ ! -e "$LAB_NVME_PARAM" ]; then
		[ -z "$val" ] || lab_log "warning: the loaded iommu_testdev has no nvme_scratch parameter (an older build): its nvme engine will not write"
		return 0
	fi
	LAB_NVME_PARAM_OLD=$(cat "$LAB_NVME_PARAM")
	printf '%s\n' "$LAB_NVME_PARAM_OLD" > "$LAB_STATE/nvme_scratch.old"	# for iommu-lab restore
	echo "$val" > "$LAB_NVME_PARAM" || lab_die "cannot write '$val' to $LAB_NVME_PARAM"
	LAB_NVME_PARAM_SET=1
}

lab_nvme_param_restore() {
	[ "${LAB_NVME_PARAM_SET:-0}" = 1 ] && [ -e "$LAB_NVME_PARAM" ] &&
		echo "${LAB_NVME_PARAM_OLD:-}" > "$LAB_NVME_PARAM"
	[ "${LAB_NVME_PARAM_SET:-0}" = 1 ] && rm -f "$LAB_STATE/nvme_scratch.old"
	LAB_NVME_PARAM_SET=0
}
