#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `iommu-lab vm`: install the testbed (cached), build the guest kernel and the
# suite for each architecture, boot QEMU with an emulated IOMMU and DMA-capable
# devices, run the suite inside, and collect the guest's results into
# <out>/<guest>/ on the host. A guest that panics or hangs ends its run with the
# tests streamed so far recorded, the rest NOTRUN, and the console log kept.
#   vm.sh [--arch x86_64|arm64|all | --guest NAME[,NAME...]] [--out DIR] [--vm-timeout S]
#         [--qemu DIR | --stock-qemu] [--stress T | --fuzz T | --perf]
#         [--kernel-deb ABI | --kernel IMAGE --kbuild DIR [--modules DIR] [--uapi DIR]
#          | --kernel-tree DIR [--config FILE]]
#         [-- run options]
# --stress T runs `iommu-lab stress --duration T` in each guest instead of the suite,
# --fuzz T `iommu-lab fuzz --duration T` (options after -- go to it, e.g. -- --seed N),
# --perf runs `iommu-lab perf` (its I/O node on the module's labdev, else edu;
# `-- --block auto` adds an NVMe namespace through the kernel's nvme driver,
# where the guest's kernel has one: the Debian guests).
# Guests: the table scripts/testbed/guests.cfg: x86_64 (VT-d scalable mode,
# first-stage tables), x86_64-ss (the same, second-stage tables), arm64
# (SMMUv3), each on Linux 7.3 and some on Debian's kernels or the debug
# kernel. By default the guests CI runs the suite in (their `ci` says suite);
# --arch all runs every guest of the table, --arch x86_64 every x86_64 guest.
# The QEMU is built from Debian's source with iommu-lab's PASID test device
# (scripts/testbed/build-qemu.sh, cached); --qemu DIR runs qemu-system-* from
# DIR instead, --stock-qemu Debian's packaged QEMU (no PASID device, 2 PASIDs).
# A guest whose result stream stops growing for 600 s (IOMMU_LAB_STALL_S) is
# stopped and booted once more, as is one whose QEMU died (an emulator abort);
# the retry is said in <guest>/retried.txt.
# The guest's kernel is the table's (`kernel =`: built from linux-source-7.3
# by default, or a Debian kernel); --kernel-deb ABI boots Debian's stock
# kernel of that ABI name (e.g. 6.12.95+deb12, fetched and cached), --kernel
# any image with its kbuild tree (the module is built against it), its
# modules (a tree with lib/modules/<release>/; vfio-pci and what it needs go
# into the initramfs) and uAPI headers (default: the testbed kernel's).
# --kernel-tree DIR builds a developer's git tree (their --config FILE, else
# tinyconfig, with the suite's fragments; incremental, cached per source
# state: scripts/testbed/kernel-tree.sh, docs/bisect.md).
# These need guests of one architecture (--guest or --arch).
# --vm-timeout S: the time limit of each guest's run (default: the guest table's
# `timeout`, else 1800 s).
# Exit status: 0 all passed or skipped, 1 a test failed (or a guest died), 2 setup failed.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
T="$LAB_TOP/scripts/testbed"
. "$T/guests.sh"

ALL_GUESTS=$(lab_guest_names | tr '\n' ' ')
guests=$(lab_guests_for suite x86_64 arm64 | tr ',' ' ') out="" vm_timeout="" stall_s=${IOMMU_LAB_STALL_S:-600} run_args=() qemu_dir="" stock=0 command=run
kernel_deb="" kernel_img="" kernel_kbuild="" kernel_modules="" kernel_uapi=""
kernel_tree="" kernel_config=""	# a developer's tree, built by kernel-tree.sh (docs/bisect.md)
abs_dir() { [ -d "${1:-}" ] && (cd "$1" && pwd); }
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) case "${2:-}" in
		all) guests=$ALL_GUESTS ;;
		*) a=$(lab_arch_norm "${2:-}") || lab_die "--arch: x86_64, arm64 or all"
		   guests=$(lab_guests_of_arch "$a") ;;
		esac; shift 2 ;;
	--guest) guests=""
		for g in ${2//,/ }; do
			[[ " $ALL_GUESTS " == *" $g "* ]] || lab_die "--guest: names from $ALL_GUESTS (comma-separated)"
			guests+="$g "
		done
		[ -n "$guests" ] || lab_die "--guest needs a guest name"; shift 2 ;;
	--stock-qemu) stock=1; shift ;;
	--out) [ $# -ge 2 ] || lab_die "--out needs a directory"; out=$2; shift 2 ;;
	--vm-timeout) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || lab_die "--vm-timeout needs seconds"; vm_timeout=$2; shift 2 ;;
	--qemu) [ -x "${2:-}/qemu-system-x86_64" ] || lab_die "--qemu: no qemu-system-x86_64 in '${2:-}'"; qemu_dir=$(cd "$2" && pwd); shift 2 ;;
	--stress) [[ "${2:-}" =~ ^[1-9][0-9]*[smh]?$ ]] || lab_die "--stress needs a duration (seconds, or Ns, Nm, Nh)"
		command="stress --duration $2"
		# The stress streams nothing while it runs.
		d=${2%[smh]}; case "$2" in *m) d=$((d * 60)) ;; *h) d=$((d * 3600)) ;; esac
		stall_s=$((stall_s + d)); shift 2 ;;
	--fuzz) [[ "${2:-}" =~ ^[1-9][0-9]*[smh]?$ ]] || lab_die "--fuzz needs a duration (seconds, or Ns, Nm, Nh)"
		command="fuzz --duration $2"
		# Like the stress, the fuzz streams nothing while it runs.
		d=${2%[smh]}; case "$2" in *m) d=$((d * 60)) ;; *h) d=$((d * 3600)) ;; esac
		stall_s=$((stall_s + d)); shift 2 ;;
	--perf) command=perf; shift ;;
	--kernel-deb) [ -n "${2:-}" ] || lab_die "--kernel-deb needs a Debian kernel ABI name (e.g. 6.12.95+deb12)"; kernel_deb=$2; shift 2 ;;
	--kernel-tree) kernel_tree=$(abs_dir "${2:-}") || lab_die "--kernel-tree: no directory '${2:-}'"; shift 2 ;;
	--config) [ -f "${2:-}" ] || lab_die "--config: no file '${2:-}'"; kernel_config=$(realpath "$2"); shift 2 ;;
	--kernel) [ -f "${2:-}" ] || lab_die "--kernel: no kernel image '${2:-}'"; kernel_img=$(realpath "$2"); shift 2 ;;
	--kbuild) kernel_kbuild=$(abs_dir "${2:-}") && [ -f "$kernel_kbuild/Makefile" ] || lab_die "--kbuild: '${2:-}' is not a kernel build tree"; shift 2 ;;
	--modules) kernel_modules=$(abs_dir "${2:-}") && [ -d "$kernel_modules/lib/modules" ] || lab_die "--modules: '${2:-}' has no lib/modules/<release>/ (make modules_install INSTALL_MOD_PATH=DIR)"; shift 2 ;;
	--uapi) kernel_uapi=$(abs_dir "${2:-}") && [ -f "$kernel_uapi/include/linux/iommufd.h" ] || lab_die "--uapi: no include/linux/iommufd.h below '${2:-}' (make headers_install INSTALL_HDR_PATH=DIR)"; shift 2 ;;
	--) shift; run_args=("$@"); break ;;
	-h|--help) sed -n '3,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) lab_die "vm: unknown argument '$1' (run options go after --)" ;;
	esac
done
[ -z "$kernel_img" ] || [ -n "$kernel_kbuild" ] || lab_die "--kernel needs --kbuild DIR (the module is built against it)"
[ -z "$kernel_kbuild$kernel_modules$kernel_uapi" ] || [ -n "$kernel_img" ] || lab_die "--kbuild, --modules and --uapi go with --kernel"
[ -z "$kernel_img" ] || [ -z "$kernel_deb" ] || lab_die "--kernel and --kernel-deb exclude each other"
[ -z "$kernel_tree" ] || [ -z "$kernel_img$kernel_deb" ] || lab_die "--kernel-tree excludes --kernel and --kernel-deb"
[ -z "$kernel_config" ] || [ -n "$kernel_tree" ] || lab_die "--config goes with --kernel-tree"
if [ -n "$kernel_img$kernel_deb$kernel_tree" ] && [ "$(for g in $guests; do lab_guest_get "$g" arch; done | sort -u | wc -l)" != 1 ]; then
	lab_die "--kernel, --kernel-deb and --kernel-tree boot one architecture: add --guest NAME or --arch x86_64|arm64"
fi
run_id="$(date -u +%Y%m%dT%H%M%SZ)-testbed"
out=${out:-$LAB_TOP/results/$run_id}
mkdir -p "$out" || lab_die "cannot create $out"

arches=$(for g in $guests; do lab_guest_get "$g" arch; done | sort -u)
for arch in $arches; do "$T/setup.sh" --arch "$arch" || lab_die "testbed setup failed"; done
# The host writes vm.json and reads the guests' records with the suite's tools.
lab_host_tools
packaged_qemu=$("$T/setup.sh" --print-qemu)
qemu_data=$packaged_qemu/../share/qemu	# firmware always from the packaged QEMU
if [ -n "$qemu_dir" ]; then
	qemu_bin=$qemu_dir
elif [ $stock = 1 ]; then
	qemu_bin=$packaged_qemu
else
	qemu_bin=$("$T/build-qemu.sh") || lab_die "building QEMU failed (--stock-qemu runs without the PASID device)"
fi

# PCI slots: edu and iommu-lab's PASID test device (where the QEMU has it), one
# of each handed to vfio-pci and one of each to iommu_testdev.
VFIO_SLOT=0x10
TESTDEV_SLOT=0x11
LABDEV_SLOT=0x12
LABDEV_VFIO_SLOT=0x13
LABDEV_VFIO2_SLOT=0x14	# a second one: one HWPT at PASIDs of two devices
# QEMU's own nvme model: one controller for iommu_testdev, two for VFIO, each
# backed by this run's copy of a medium made once in the cache
# (scripts/testbed/nvme-media.sh, docs/testbed.md): runs of the same guest at
# the same time (other output directories) then never share a file, which
# QEMU's image locking would refuse.
NVME_SLOTS=(0x15 0x16 0x17)
NVME_ROLES=(testdev vfio vfio2)
NVME_SCRATCH=$("$T/nvme-media.sh" scratch)
has_device() { "$qemu_bin/qemu-system-$1" -device help 2>/dev/null | grep -q "name \"$2\""; }
qemu_arch() { [ "$1" = arm64 ] && echo aarch64 || echo x86_64; }
has_labdev() { has_device "$(qemu_arch "$1")" iommu-lab-dev; }
has_nvme() { has_device "$(qemu_arch "$1")" nvme; }
nvme_template() { echo "$IOMMU_LAB_CACHE/nvme/$1-$2.img"; }	# GUEST N
nvme_media() { echo "$1/nvme-$2.img"; }				# DIR N: this run's copy
nvme_bdf() { printf '0000:00:%02x.0' "${NVME_SLOTS[$1]}"; }
has_prop() { "$qemu_bin/qemu-system-x86_64" -device "$1,help" 2>/dev/null | grep -q "$2"; }

# qemu_cmd GUEST KERNEL INITRD DIR: the guest's QEMU command line, into the
# array QEMU: its machine, CPU, IOMMU and kernel command line from the guest
# table, the test devices and result streams every guest has.
qemu_cmd() {
	local guest=$1 arch kernel=$2 initrd=$3 dir=$4 common iommu cpu
	arch=$(lab_guest_get "$guest" arch)
	common=(-accel tcg -m 2G -smp 2 -nic none -display none -vga none -monitor none -no-reboot
		-L "$qemu_data"
		-serial "file:$dir/console.log"
		-device "edu,addr=$VFIO_SLOT,dma_mask=0xffffffffffffffff"
		-device "edu,addr=$TESTDEV_SLOT,dma_mask=0xffffffffffffffff"
		-device virtio-serial-pci
		-chardev "file,id=stream,path=$dir/stream.jsonl"
		-device virtserialport,chardev=stream,name=iommu-lab.stream
		-chardev "file,id=results,path=$dir/results.tar"
		-device virtserialport,chardev=results,name=iommu-lab.results
		-kernel "$kernel" -initrd "$initrd")
	has_labdev "$arch" && common+=(-device "iommu-lab-dev,addr=$LABDEV_SLOT,pasid-bits=20"
				      -device "iommu-lab-dev,addr=$LABDEV_VFIO_SLOT,pasid-bits=20"
				      -device "iommu-lab-dev,addr=$LABDEV_VFIO2_SLOT,pasid-bits=20")
	# NVMe: 8 queue pairs and 8 MSI-X vectors (the engines use up to 8: the
	# admin queue's and one per interrupting queue pair), 512 KiB per command
	# (MDTS 7 of 4 KiB pages: larger copies are split, as on real drives);
	# QEMU 10.0 needs a serial.
	local n
	if has_nvme "$arch"; then
		for n in 0 1 2; do
			common+=(-drive "file=$(nvme_media "$dir" $n),format=raw,if=none,id=nvme$n"
				 -device "nvme,addr=${NVME_SLOTS[$n]},drive=nvme$n,serial=iommu-lab-nvme-$n,max_ioqpairs=8,msix_qsize=8,mdts=7")
		done
	fi
	QEMU=("$qemu_bin/qemu-system-$([ "$arch" = arm64 ] && echo aarch64 || echo x86_64)"
	      -machine "$(lab_guest_get "$guest" machine)")
	cpu=$(lab_guest_get "$guest" cpu)
	[ -n "$cpu" ] && QEMU+=(-cpu "$cpu")
	# The IOMMU comes first so every PCI device sits behind it; our QEMU build
	# lets VT-d advertise 20-bit PASIDs (patch 0002).
	iommu=$(lab_guest_get "$guest" iommu)
	[[ "$iommu" == intel-iommu,* ]] && has_prop intel-iommu x-pasid-bits && iommu+=,x-pasid-bits=20
	[ -n "$iommu" ] && QEMU+=(-device "$iommu")
	# Properties of devices the machine creates itself (the virt machine's
	# SMMUv3) or of the IOMMU (VT-d's x-nested), the table's `global`
	# (DRIVER.PROP=VALUE ...), each where this QEMU has the property (our
	# patches add them: not with --stock-qemu).
	local g prop
	for g in $(lab_guest_get "$guest" global); do
		prop=${g#*.}
		"${QEMU[0]}" -device "${g%%.*},help" 2>/dev/null | grep -q "^  ${prop%%=*}=" && QEMU+=(-global "$g")
	done
	# A guest kernel that oopses panics and the guest ends (the run's verdicts so far are kept).
	QEMU+=("${common[@]}" -append "$(lab_guest_get "$guest" append) oops=panic panic=-1")
}

# finish_from_stream DIR CAUSE: results.jsonl from the streamed records when the
# guest never sent its results directory. The test that was running when the
# guest died FAILs; the other planned tests without a verdict are NOTRUN.
finish_from_stream() {
	local dir=$1 cause=$2 s id running platform="" verdict why
	local -A done_ids=()
	s="$dir/stream.jsonl"
	[ -f "$s" ] || s=/dev/null
	lab_json_select verdict "$s" > "$dir/results.jsonl"
	lab_json_select run_id "$s" | head -n1 > "$dir/run.json"
	if [ -s "$dir/run.json" ]; then
		platform=$(lab_json_get platform "$dir/run.json")
	else
		rm -f "$dir/run.json"
	fi
	running=$(lab_json_get running "$s" | tail -n1)
	while IFS= read -r id; do done_ids[$id]=1; done < <(lab_json_get id "$dir/results.jsonl")
	lab_json_get plan "$s" | while IFS= read -r id; do
		[ -n "${done_ids[$id]:-}" ] && continue
		if [ "$id" = "$running" ]; then
			verdict=FAIL why="$cause during this test (see console.log)"
		else
			verdict=NOTRUN why="$cause before this test ran (see console.log)"
		fi
		lab_record id="$id" verdict=$verdict reason="$why" engine:=null platform="$platform" metrics:[ ']'
	done >> "$dir/results.jsonl"
}

# guest_kernel GUEST ARCH DIR: the directory with the guest's kernel.img,
# build/ (kbuild tree), uapi/ and, for a modular kernel, modules/ - from the
# command line, the guest table's `kernel` (`debian ABI`), or built here
# (`debug`: the debug variant).
guest_kernel() {
	local guest=$1 arch=$2 dir=$3 k uapi
	if [ -n "$kernel_img" ]; then
		k="$dir/kernel"; rm -rf "$k"; mkdir -p "$k"
		ln -s "$kernel_img" "$k/kernel.img"; ln -s "$kernel_kbuild" "$k/build"
		[ -z "$kernel_modules" ] || ln -s "$kernel_modules" "$k/modules"
		uapi=$kernel_uapi
		[ -n "$uapi" ] || uapi=$("$T/build-kernel.sh" "$arch")/uapi || return 2
		ln -s "$uapi" "$k/uapi"
		echo "$k"; return 0
	fi
	if [ -n "$kernel_tree" ]; then
		"$T/kernel-tree.sh" "$arch" "$kernel_tree" ${kernel_config:+--config "$kernel_config"}
		return
	fi
	k=${kernel_deb:+debian $kernel_deb}
	[ -n "$k" ] || k=$(lab_guest_get "$guest" kernel)
	case "$k" in
	"") "$T/build-kernel.sh" "$arch" ;;
	debug) "$T/build-kernel.sh" "$arch" debug ;;
	"debian "*) "$T/kernel-deb.sh" "$arch" "${k#debian }" ;;
	*) lab_die "guests.cfg: $guest: kernel = '$k' (want 'debian ABI', 'debug' or nothing)" ;;
	esac
}

run_guest() {
	local guest=$1 arch dir="$out/$1" kdir stage initrd conf t0 rc attempt mods
	arch=$(lab_guest_get "$guest" arch)
	mkdir -p "$dir"
	kdir=$(guest_kernel "$guest" "$arch" "$dir") || return 2
	stage=$("$T/build-suite.sh" "$arch" "$kdir") || return 2
	conf="$dir/testbed.conf"
	{
		echo "# generated by iommu-lab vm"
		echo "LAB_COMMAND=($command)"
		# The guest is thrown away after the run.
		printf 'LAB_RUN_ARGS=(--disposable --vfio 0000:00:%02x.0 --testdev 0000:00:%02x.0' "$VFIO_SLOT" "$TESTDEV_SLOT"
		has_labdev "$arch" && printf ' --testdev 0000:00:%02x.0 --vfio 0000:00:%02x.0 --vfio 0000:00:%02x.0' \
			"$LABDEV_SLOT" "$LABDEV_VFIO_SLOT" "$LABDEV_VFIO2_SLOT"
		has_nvme "$arch" && printf ' --testdev %s --vfio %s --vfio %s --nvme-scratch %s' "$(nvme_bdf 0)" "$(nvme_bdf 1)" \
			"$(nvme_bdf 2)" "$(nvme_bdf 0)@$NVME_SCRATCH,$(nvme_bdf 1)@$NVME_SCRATCH,$(nvme_bdf 2)@$NVME_SCRATCH"
		[ "$command" = perf ] && printf ' --io 0000:00:%02x.0' "$(has_labdev "$arch" && echo "$LABDEV_SLOT" || echo "$TESTDEV_SLOT")"
		[ ${#run_args[@]} -gt 0 ] && printf ' %q' "${run_args[@]}"
		echo ')'
	} > "$conf"
	initrd="$dir/initrd.cpio.gz"
	mods=""; [ -d "$kdir/modules" ] && mods="$kdir/modules"
	"$T/build-initramfs.sh" "$arch" "$stage" "$conf" "$initrd" $mods || return 2
	if has_nvme "$arch"; then
		nvme_media_before "$guest" "$dir" || return 2
	fi
	qemu_cmd "$guest" "$kdir/kernel.img" "$initrd" "$dir"
	# Extra QEMU options for debugging, e.g. IOMMU_LAB_QEMU_ARGS="-trace vtd_* -D /tmp/q.log".
	# shellcheck disable=SC2206
	[ -n "${IOMMU_LAB_QEMU_ARGS:-}" ] && QEMU+=(${IOMMU_LAB_QEMU_ARGS})
	printf '%q ' "${QEMU[@]}" > "$dir/qemu.cmd"
	rm -f "$dir/retried.txt" "$dir/console.1.log" "$dir/stream.1.jsonl" "$dir/qemu.1.log"
	t0=$(date +%s.%N)
	for attempt in 1 2; do
		boot_guest "$guest" "$dir"; rc=$?
		# A guest that stopped making progress without a panic (the emulator
		# lost a vCPU's timer wakeup under load: docs/tests/determinism.md),
		# or whose emulator died (QEMU aborted on an assertion or crashed:
		# the emulator's failure, not a verdict on the guest kernel), is
		# booted once more; the retry is said here and in retried.txt, which
		# CI prints with QEMU's last words. A panic, or a second stall or
		# emulator death, is the verdict.
		local why=""
		[ $rc = $STALLED ] && why=$STALL_CAUSE
		{ [ $rc = 134 ] || [ $rc = 139 ]; } &&
			why="QEMU died (status $rc)$(tail -n 1 "$dir/qemu.log" 2> /dev/null | sed 's/^/: /')"
		[ -n "$why" ] && [ $attempt = 1 ] || break
		echo "$why" > "$dir/retried.txt"
		mv "$dir/console.log" "$dir/console.1.log"
		mv "$dir/stream.jsonl" "$dir/stream.1.jsonl"
		mv "$dir/qemu.log" "$dir/qemu.1.log" 2> /dev/null
		lab_log "$guest: $why; booting it once more (first attempt: $dir/console.1.log)"
	done
	lab_record guest="$guest" arch="$arch" qemu_status:="$rc" \
		wall_s:="$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")" attempts:="$attempt" > "$dir/vm.json"
	rm -f "$initrd"
	if [ -s "$dir/results.tar" ] && tar -C "$dir" -xf "$dir/results.tar" 2>/dev/null && [ -f "$dir/results.jsonl" ]; then
		rm -f "$dir/results.tar"
	else
		[ -s "$dir/results.tar" ] || rm -f "$dir/results.tar"
		local cause="guest exited (qemu status $rc)"
		[ $rc = $STALLED ] && cause=$STALL_CAUSE
		{ [ $rc = 124 ] || [ $rc = 137 ]; } && cause="guest hung (stopped after $(guest_timeout "$guest")s)"
		grep -q 'Kernel panic' "$dir/console.log" 2>/dev/null && cause="guest kernel panicked"
		lab_log "$guest: $cause before sending its results; see $dir/console.log"
		# What QEMU itself said (an assertion, an abort): CI keeps only this output.
		[ -s "$dir/qemu.log" ] && tail -n 5 "$dir/qemu.log" | sed "s/^/[iommu-lab] $guest: qemu: /" >&2
		finish_from_stream "$dir" "$cause"
		has_nvme "$arch" && nvme_media_after "$guest" "$dir"
		return 1
	fi
	rc=0
	has_nvme "$arch" && { nvme_media_after "$guest" "$dir" || rc=1; }
	[ "$(lab_json_get guest_exit "$dir/stream.jsonl" | tail -n1)" = 0 ] && return $rc || return 1
}

# nvme_media_before GUEST DIR: the guest's NVMe media made (once, in the
# cache), copied into DIR for this run (sparse), and the sums of every region
# outside the scratch range taken, into DIR.
nvme_media_before() {
	local guest=$1 dir=$2 n
	for n in 0 1 2; do
		"$T/nvme-media.sh" create "$(nvme_template "$guest" $n)" "$guest-$n" &&
			cp --sparse=always "$(nvme_template "$guest" $n)" "$(nvme_media "$dir" $n)" &&
			"$T/nvme-media.sh" sums "$(nvme_media "$dir" $n)" > "$dir/nvme-$n.sums" || return 1
	done
}

# nvme_media_after GUEST DIR: after QEMU exited, the same sums again: one
# record per controller in DIR/results.jsonl,
# testbed_nvme.media.<role>.reads_the_same_outside_the_scratch_range, FAIL
# naming every region that changed. 1 when one did.
nvme_media_after() {
	local guest=$1 dir=$2 n test changed verdict reason_m platform="" rc=0
	[ -f "$dir/run.json" ] && platform=$(lab_json_get platform "$dir/run.json")
	for n in 0 1 2; do
		test="media.${NVME_ROLES[$n]}.reads_the_same_outside_the_scratch_range"
		changed=$("$T/nvme-media.sh" sums "$(nvme_media "$dir" $n)" | awk -F '\t' 'NR == FNR { was[$1] = $2; next }
			{ now[$1] = $2 } END { for (k in was) if (now[k] != was[k]) printf "%s%s", (c++ ? "; " : ""), k }' "$dir/nvme-$n.sums" -)
		if [ -z "$changed" ]; then
			verdict=PASS reason_m=(reason:=null)
			rm -f "$(nvme_media "$dir" $n)"
		else
			# This run's copy stays in DIR for a look; the next run copies afresh.
			verdict=FAIL reason_m=(reason="$(nvme_bdf $n): the medium changed outside the scratch range $NVME_SCRATCH: $changed (kept as $(nvme_media "$dir" $n))")
			lab_log "$guest: FAIL: ${reason_m[0]#reason=}"
			rc=1
		fi
		lab_record id="testbed_nvme.$test" program=testbed_nvme test="$test" verdict=$verdict "${reason_m[@]}" \
			engine:=null platform="$platform" duration_ms:=null metrics:[ ']' >> "$dir/results.jsonl"
	done
	return $rc
}

# guest_timeout GUEST: the seconds a guest's run may take: --vm-timeout, else
# the guest table's `timeout` (the debug guests'), else 1800.
guest_timeout() {
	local t=$vm_timeout
	[ -n "$t" ] || t=$(lab_guest_get "$1" timeout)
	echo "${t:-1800}"
}

# boot_guest GUEST DIR: run the guest's QEMU (the array QEMU) until it exits,
# the run's time limit passes, or its result stream has not grown for
# stall_s seconds (the guest streams a record at every test's start and end;
# no test of a run takes that long without one). QEMU's status; STALLED
# (and STALL_CAUSE) when it was stopped for making no progress.
STALLED=200
boot_guest() {
	local guest=$1 dir=$2 pid size last=-1 quiet=0 start line stall limit
	rm -f "$dir/stream.jsonl" "$dir/results.tar" "$dir/console.log"
	# A guest given more time than 1800 s (a debug kernel) is as much slower
	# everywhere: its stall limit grows with it.
	limit=$(guest_timeout "$guest")
	stall=$stall_s
	[ "$limit" -le 1800 ] || stall=$((stall_s * limit / 1800))
	lab_log "$guest: booting the testbed guest (console: $dir/console.log)"
	start=$(date +%s)
	date +%s.%N > "$dir/qemu.start"	# for scripts/bench/testbed.sh
	# SIGTERM first (QEMU exits cleanly, timeout returns 124), SIGKILL 10 s later.
	timeout -k 10 "$limit" "${QEMU[@]}" > "$dir/qemu.log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2> /dev/null; do
		sleep 5
		size=$(stat -c %s "$dir/stream.jsonl" 2> /dev/null || echo 0)
		if [ "$size" != "$last" ]; then
			last=$size quiet=0
			continue
		fi
		quiet=$((quiet + 5))
		[ $quiet -ge "$stall" ] || continue
		line=$(grep -m1 -E 'rcu: INFO: .* detected stalls|soft lockup|hung_task|blocked for more than' \
			"$dir/console.log" 2> /dev/null | sed 's/^\[[ 0-9.]*\] //')
		STALL_CAUSE="guest stalled: no progress for ${stall}s after $(( $(date +%s) - start ))s${line:+ (console: $line)}"
		# timeout passes SIGTERM on to QEMU; a QEMU that ignores it is killed.
		kill "$pid" 2> /dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2> /dev/null && sleep 1; done
		pkill -KILL -P "$pid" 2> /dev/null
		kill -KILL "$pid" 2> /dev/null
		wait "$pid" 2> /dev/null
		return $STALLED
	done
	wait "$pid"
}

status=0
for guest in $guests; do
	run_guest "$guest"; rc=$?
	[ $rc -gt $status ] && status=$rc
	if [ -f "$out/$guest/results.jsonl" ]; then
		echo "== $guest: $(. "$LAB_TOP/scripts/lib/run.sh"; lab_summary "$out/$guest/results.jsonl" | head -n1)"
	fi
done
lab_log "results in $out"
exit $status
