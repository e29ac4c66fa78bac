#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The runner's NVMe care on this host, on a fake sysfs/procfs tree
# (IOMMU_LAB_SYSROOT): --nvme-scratch checked against the namespaces, a
# namespace in use refused naming its user, iommu-lab-discover's NVMe
# queries, and perf --block's argument checks and read-only sections.
. "${top_srcdir:-.}/tests/unit/runner_harness.sh"

# Bad --nvme-scratch values stop the run before anything is bound.
[ "$(status "$lab" run --nvme-scratch 1:0 --out "$tmp/r1")" = 2 ] || fail "--nvme-scratch 1:0 must exit 2"
grep -q "'1:0' is not \[BDF@\]NSID:LBA+COUNT" "$tmp/out" || { cat "$tmp/out"; fail "a malformed range is named"; }
[ "$(status "$lab" run --nvme-scratch 1:0+8 --out "$tmp/r2")" = 2 ] || fail "a range with no NVMe function must exit 2"
grep -q "no NVMe function (class 0x010802) is handed to this run" "$tmp/out" || { cat "$tmp/out"; fail "no NVMe function handed"; }
[ "$(status "$lab" run --nvme-scratch)" = 2 ] || fail "--nvme-scratch without a value must exit 2"

# A fake tree: 0000:00:15.0 (namespaces 1 and 2, partition nvme0n1p1 at
# sectors 2048 + 2048), 0000:00:16.0 (no driver), 0000:00:10.0 (not NVMe).
root="$tmp/root"
put() { mkdir -p "$(dirname "$root/$1")"; printf '%s\n' "$2" > "$root/$1"; }
disk() {	# NAME NSID SECTORS LBA_SIZE DEV
	put "sys/class/block/$1/nsid" "$2"; put "sys/class/block/$1/size" "$3"
	put "sys/class/block/$1/queue/logical_block_size" "$4"; put "sys/class/block/$1/dev" "$5"
}
put sys/bus/pci/devices/0000:00:15.0/class 0x010802
mkdir -p "$root/sys/bus/pci/devices/0000:00:15.0/nvme/nvme0/nvme0n1" "$root/sys/bus/pci/devices/0000:00:15.0/nvme/nvme0/nvme0n2"
disk nvme0n1 1 131072 512 259:0
disk nvme0n2 2 65536 4096 259:1
put sys/class/block/nvme0n1/nvme0n1p1/partition 1
put sys/class/block/nvme0n1/nvme0n1p1/start 2048
put sys/class/block/nvme0n1/nvme0n1p1/size 2048
put sys/class/block/nvme0n1/nvme0n1p1/dev 259:3
put sys/bus/pci/devices/0000:00:16.0/class 0x010802
put sys/bus/pci/devices/0000:00:10.0/class 0x00ff00
put proc/self/mountinfo "22 1 0:21 / /proc rw - proc proc rw"
put proc/swaps "Filename	Type	Size	Used	Priority"
export IOMMU_LAB_SYSROOT=$root
disc="$IOMMU_LAB_BUILD/tools/iommu-lab-discover"

[ "$(status "$disc" --nvme-namespaces 0000:00:15.0)" = 0 ] || { cat "$tmp/out"; fail "--nvme-namespaces"; }
[ "$(cat "$tmp/out")" = "$(printf 'nvme0n1\t1\t512\t131072\t259:0\nnvme0n2\t2\t4096\t8192\t259:1')" ] ||
	{ cat "$tmp/out"; fail "--nvme-namespaces lines"; }
[ "$(status "$disc" --nvme-namespaces 0000:00:16.0)" = 0 ] && [ ! -s "$tmp/out" ] || fail "no driver: no namespace"
[ "$(status "$disc" --nvme-namespaces 0000:00:10.0)" = 2 ] && grep -q "is not an NVMe function" "$tmp/out" ||
	fail "a function of another class is refused"
[ "$(status "$disc" --nvme-uses 0000:00:15.0)" = 0 ] && [ ! -s "$tmp/out" ] || fail "nothing in use"

# The runner's functions on that tree (a subshell each: lab_die exits).
. "$top_srcdir/scripts/lib/common.sh"
. "$top_srcdir/scripts/lib/run.sh"
LAB_LIBEXEC=$IOMMU_LAB_BUILD/tools
scratch() { ( lab_nvme_scratch "$@"; echo "= $LAB_NVME_SCRATCH" ) > "$tmp/out" 2>&1; }
LAB_NVME_FUNCS=(0000:00:15.0 0000:00:16.0)
scratch 0000:00:15.0@1:65536+32768 && grep -qx "= 0000:00:15.0@1:65536+32768" "$tmp/out" || { cat "$tmp/out"; fail "a good range"; }
scratch 0000:00:15.0@01:010+08,0000:00:15.0@2:0+8192 &&
	grep -qx "= 0000:00:15.0@1:10+8,0000:00:15.0@2:0+8192" "$tmp/out" || { cat "$tmp/out"; fail "decimal, comma-separated"; }
scratch 1:0+8 && fail "no function named with two handed"
grep -q "names no function, and 2 NVMe functions are handed to this run: write BDF@1:0+8" "$tmp/out" || { cat "$tmp/out"; fail "which function?"; }
scratch 0000:00:15.0@3:0+1 && fail "a namespace that does not exist"
grep -q "0000:00:15.0 has no namespace 3 (it has: 1 2" "$tmp/out" || { cat "$tmp/out"; fail "missing namespace named"; }
scratch 0000:00:15.0@2:8000+193 && fail "a range beyond the namespace"
grep -q "LBAs 8000..8192 lie beyond namespace 2 of 0000:00:15.0 (nvme0n2: 8192 LBAs of 4096 bytes)" "$tmp/out" ||
	{ cat "$tmp/out"; fail "range beyond named"; }
scratch 0000:00:15.0@2:8000+192 || { cat "$tmp/out"; fail "the range up to the last LBA"; }
scratch 0000:00:17.0@1:0+1 && fail "a function not handed over"
grep -q "0000:00:17.0 is not an NVMe function handed to this run" "$tmp/out" || { cat "$tmp/out"; fail "not handed named"; }
scratch 0000:00:15.0@0:0+1 && fail "NSID 0"
scratch 0000:00:15.0@1:0+0 && fail "COUNT 0"
scratch 0000:00:16.0@1:0+64 && grep -q "0000:00:16.0 shows no namespaces (driver: none)" "$tmp/out" ||
	{ cat "$tmp/out"; fail "a function without namespaces: the engine checks"; }
scratch 0000:00:15.0@1:4000+100 && grep -q "warning: --nvme-scratch 0000:00:15.0@1:4000+100 overlaps partition nvme0n1p1" "$tmp/out" ||
	{ cat "$tmp/out"; fail "a range over a partition is said"; }
scratch 0000:00:15.0@1:4096+100 && ! grep -q warning "$tmp/out" || { cat "$tmp/out"; fail "a range after the partition"; }
LAB_NVME_FUNCS=(0000:00:15.0)
scratch 1:0+8 && grep -qx "= 0000:00:15.0@1:0+8" "$tmp/out" || { cat "$tmp/out"; fail "one function: named for the engines"; }

# In use: refused naming each user, nothing changed.
put proc/self/mountinfo "40 22 259:3 / /mnt/x rw - minix /dev/nvme0n1p1 ro"
put proc/77/comm fio
mkdir -p "$root/proc/77/fd"; ln -s /dev/nvme0n2 "$root/proc/77/fd/5"
[ "$(status "$disc" --nvme-uses 0000:00:15.0)" = 1 ] || fail "--nvme-uses exits 1 when in use"
( lab_nvme_check_unused 0000:00:15.0 vfio-pci ) > "$tmp/out" 2>&1 && fail "a namespace in use must be refused"
grep -q "0000:00:15.0 is an NVMe function whose namespaces are in use; it was not handed to vfio-pci and nothing was changed" "$tmp/out" &&
	grep -q "0000:00:15.0: nvme0n1p1 is mounted on /mnt/x (minix)" "$tmp/out" &&
	grep -q "0000:00:15.0: nvme0n2 is open by pid 77 (fio)" "$tmp/out" || { cat "$tmp/out"; fail "the users are named"; }

# After the run: the record comparing the namespace with what it was before
# (as root: the runner keeps its notes in /run/iommu-lab). A testbed medium
# as the namespace's device node, under a PCI domain no host has.
if [ "$(id -u)" = 0 ]; then
	f=00ff:00:15.0
	put "sys/bus/pci/devices/$f/class" 0x010802
	mkdir -p "$root/sys/bus/pci/devices/$f/nvme/nvme5/nvme5n1" "$root/sys/bus/pci/drivers/nvme" "$root/dev"
	disk nvme5n1 1 131072 512 259:9
	ln -s ../../../bus/pci/drivers/nvme "$root/sys/bus/pci/devices/$f/driver"
	"$top_srcdir/scripts/testbed/nvme-media.sh" create "$root/dev/nvme5n1" unit 2> /dev/null || fail "nvme-media.sh create"
	mkdir -p /run/iommu-lab
	LAB_NVME_SCRATCH="$f@1:65536+32768" LAB_RUN_PLATFORM=p LAB_RUN_RUN_ID=r
	record() {
		lab_nvme_record "$f" "$1" > "$tmp/rec.json" 2> "$tmp/err"
		"$IOMMU_LAB_BUILD/tools/iommu-lab-results" "$tmp/rec.json" | awk -F '\t' '$1 == "R" { print $4 ": " $5 }'
	}
	lab_nvme_before "$f"
	[ "$(wc -l < "/run/iommu-lab/$f.sums")" = 3 ] || { cat "/run/iommu-lab/$f.sums"; fail "three regions summed"; }
	dd if=/dev/urandom of="$root/dev/nvme5n1" bs=512 seek=65536 count=32768 conv=notrunc status=none
	[ "$(record nvme)" = "PASS: " ] || fail "writes inside the scratch range: PASS"
	lab_nvme_before "$f"
	dd if=/dev/urandom of="$root/dev/nvme5n1" bs=512 seek=98304 count=1 conv=notrunc status=none
	[ "$(record nvme)" = "FAIL: the media changed outside the scratch ranges (sha256 before and after differ): namespace 1, the MiB after scratch 65536+32768 (LBAs 98304..100351)" ] ||
		{ record nvme; fail "a write after the scratch range is named"; }
	lab_nvme_before "$f"
	echo "$f is back on driver nvme, but its namespace(s) 1 did not reappear" > "/run/iommu-lab/$f.lost"
	[ "$(record nvme)" = "FAIL: $f is back on driver nvme, but its namespace(s) 1 did not reappear" ] || fail "a lost namespace"
	[ "$(record none)" = "SKIP: $f was not on the nvme driver before the run (driver: none$([ -d /sys/bus/pci/drivers/nvme ] ||
		echo "; this kernel has no nvme driver loaded, CONFIG_BLK_DEV_NVME")): no namespaces to compare" ] || { record none; fail "no driver before: SKIP"; }
	ln -sfn ../../../bus/pci/drivers/vfio-pci "$root/sys/bus/pci/devices/$f/driver"
	[ "$(record nvme)" = "FAIL: $f is on driver 'vfio-pci' after the run, not back on nvme" ] || fail "not given back"
	rm -f "/run/iommu-lab/$f".*
fi

# perf --block: its argument, and which shipped sections it runs.
unset IOMMU_LAB_SYSROOT
for a in "--block /dev/sda" "--block nvme0" "--block"; do
	# shellcheck disable=SC2086
	[ "$(status "$lab" perf $a)" = 2 ] && grep -q "error: --block needs an NVMe namespace" "$tmp/out" ||
		{ cat "$tmp/out"; fail "perf $a must exit 2 naming --block"; }
done
rc=$(status "$lab" perf --block /dev/nvme99n9 --out "$tmp/p")
[ "$rc" = 2 ] && grep -qE "nvme99n9 is not a namespace the nvme driver shows|perf needs root|fio is not installed" "$tmp/out" ||
	{ cat "$tmp/out"; fail "perf --block of a namespace that does not exist: exit 2 before anything changes"; }
. "$top_srcdir/scripts/lib/perf.sh"
fio="$top_srcdir/tests/fio"
for s in bs-sweep.fio:read-4k bs-sweep.fio:read-1m iodepth-sweep.fio:uring-qd16; do
	lab_perf_writes "$fio/${s%%:*}" "${s#*:}" && fail "$s only reads"
done
for s in bs-sweep.fio:write-4k jobs-sweep.fio:jobs-1 verify.fio:verify-psync verify.fio:verify-uring; do
	lab_perf_writes "$fio/${s%%:*}" "${s#*:}" || fail "$s writes"
done
printf '[global]\nrw=randread\n[a]\nrw=randrw\n[b]\n[c]\nreadwrite=trim\n' > "$tmp/j.fio"
lab_perf_writes "$tmp/j.fio" a && ! lab_perf_writes "$tmp/j.fio" b && lab_perf_writes "$tmp/j.fio" c ||
	fail "a section's rw or readwrite, else the global one"
echo "test_nvme_runner: all checks passed"
