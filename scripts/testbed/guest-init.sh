#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# /init of a testbed guest: mount the kernel filesystems, hand the configured
# devices to the suite, run `iommu-lab run` (or `stress`), stream each result to the host as
# it completes (virtio port iommu-lab.stream), send the results directory as a
# tar (port iommu-lab.results), power off. A panic or hang on the way leaves
# the host with what was streamed so far.
# Applets at their usual paths (/usr/bin/env, ...); existing programs are kept.
/bin/busybox --install -s
export PATH=/usr/bin:/bin:/usr/sbin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
echo "iommu-lab-guest: userspace at $(cut -d' ' -f1 /proc/uptime) s"

# A modular kernel (Debian's 6.1) has its virtio console as modules, carried
# in the initramfs (build-initramfs.sh); built-in elsewhere.
[ -d "/lib/modules/$(uname -r)" ] && modprobe -a virtio_pci virtio_console 2>/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -n "$(ls /sys/class/virtio-ports 2>/dev/null)" ] && break; sleep 0.2; done

# The NVMe controllers start on the kernel's nvme driver, as a lab's disks do
# (a module in Debian's kernels, carried in the initramfs; the testbed's 7.3
# kernels have no block layer): the runner checks their namespaces, takes
# them and gives them back. The driver finds namespaces after its probe
# returns, so wait (at most 10 s) until every controller shows one.
nvme_ready() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/class")" = 0x010802 ] || continue
		ls "$d"/nvme/nvme*/ 2>/dev/null | grep -q '^nvme[0-9]*c\{0,1\}[0-9]*n[0-9]' || return 1
	done
}
if [ -d "/lib/modules/$(uname -r)" ] && modprobe nvme 2>/dev/null; then
	for _ in $(seq 50); do nvme_ready && break; sleep 0.2; done
	nvme_ready || echo "iommu-lab-guest: an NVMe controller shows no namespace after 10 s"
fi

LAB_RUN_ARGS=() LAB_COMMAND=(run)
. /etc/iommu-lab/testbed.conf

port() {	# /dev node of the virtio serial port named $1
	local p
	for p in /sys/class/virtio-ports/*; do
		[ "$(cat "$p/name" 2>/dev/null)" = "$1" ] && { echo "/dev/$(basename "$p")"; return 0; }
	done
	return 1
}
stream=$(port iommu-lab.stream) || stream=/dev/null
results=$(port iommu-lab.results) || results=
# Records are written by the suite's own writer (installed with --prefix=/usr).
record() { /usr/libexec/iommu-lab/iommu-lab-collect --record "$@"; }
record guest_userspace_s:="$(cut -d' ' -f1 /proc/uptime)" > "$stream"

iommu-lab "${LAB_COMMAND[@]}" --out /tmp/results --stream "$stream" "${LAB_RUN_ARGS[@]}"
rc=$?
record guest_exit:=$rc guest_uptime_s:="$(cut -d' ' -f1 /proc/uptime)" > "$stream"
echo "iommu-lab-guest: run finished with status $rc"
# The runner must have handed every device back: report any it did not.
left=0
for d in /sys/bus/pci/devices/*; do
	drv=$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)
	ovr=$(cat "$d/driver_override" 2>/dev/null)
	case "$drv:$ovr" in
	vfio-pci:*|iommu_testdev:*|*:vfio-pci|*:iommu_testdev)
		echo "iommu-lab-guest: $(basename "$d") still with ${drv:-no driver} (override $ovr)"; left=1 ;;
	esac
done
[ $left = 0 ] && echo "iommu-lab-guest: every device handed back"
if [ -n "$results" ]; then
	tar -C /tmp/results -cf - . > "$results"
fi
sync
sleep 1
poweroff -f
