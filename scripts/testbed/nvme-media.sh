#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The testbed's NVMe media: one 64 MiB raw file per QEMU nvme controller,
# served as namespace 1 with 512-byte LBAs (docs/testbed.md, "NVMe
# controllers"). Made once, sparse; a run may write only its scratch range.
#   nvme-media.sh create FILE ID   make FILE unless it exists (ID names it in its content)
#   nvme-media.sh sums FILE        "LABEL<TAB>SHA256" of every region outside the
#                                  scratch range that holds data: none may change
#   nvme-media.sh scratch          the scratch range, NSID:LBA+COUNT
# Layout, in LBAs:
#   0               an MBR: a text saying what the medium is in its boot-code
#                   area, partition 1 (type 0x81, minix) at LBA 2048, 2048 LBAs
#   1 .. 511        one text line per LBA, "iommu-lab nvme medium ID, LBA n",
#                   padded with spaces: the engines' reference reads start at
#                   LBA 0 and see data that is not zero ...
#   512 .. 2047     ... and zeros (a hole), a blank disk's content
#   2048 .. 4095    partition 1: a minix filesystem (runner_nvme mounts it
#                   read-only on kernels with the nvme driver)
#   63488 .. 65535  text lines: the MiB before the scratch range
#   65536 .. 98303  the scratch range (16 MiB), zeros when made
#   98304 .. 100351 text lines: the MiB after it
#   the rest        zeros (holes), up to LBA 131071
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

SIZE_MIB=64 LBA=512 MIB_LBAS=2048
SCRATCH_LBA=65536 SCRATCH_LBAS=32768
PART_LBA=2048 PART_LBAS=2048

# text_lbas FILE ID FROM TO: the text lines into LBAs FROM .. TO - 1.
text_lbas() {
	awk -v id="$2" -v from="$3" -v to="$4" \
		'BEGIN { for (i = from; i < to; i++) printf "%-511s\n", "iommu-lab nvme medium " id ", LBA " i }' |
		dd of="$1" bs=$LBA seek="$3" conv=notrunc status=none
}

create() {
	local file=$1 id=$2 tmp mbr
	[ -f "$file" ] && [ "$(stat -c %s "$file")" = $((SIZE_MIB << 20)) ] && return 0
	mkdir -p "$(dirname "$file")"
	tmp="$file.tmp.$$"
	rm -f "$tmp"
	truncate -s "${SIZE_MIB}M" "$tmp"
	# The MBR (boot code area 0..439, partition entry 1 at 446, signature 0x55aa at 510).
	mbr="iommu-lab testbed NVMe medium $id: LBAs 0..511, 63488..65535 and 98304..100351 hold text, partition 1 a minix filesystem mounted read-only by runner_nvme; LBAs $SCRATCH_LBA+$SCRATCH_LBAS are the scratch range the engines write. Nothing else may change."
	[ ${#mbr} -le 440 ] || lab_die "nvme-media.sh: the MBR text is too long"
	{
		printf '%s' "$mbr"
		head -c $((446 - ${#mbr})) /dev/zero
		# status, CHS first (unused), type 0x81, CHS last (unused), first LBA, LBAs (little endian)
		printf '\x00\xfe\xff\xff\x81\xfe\xff\xff'
		printf "\\x$(printf %02x $((PART_LBA & 255)))\\x$(printf %02x $((PART_LBA >> 8 & 255)))\\x00\\x00"
		printf "\\x$(printf %02x $((PART_LBAS & 255)))\\x$(printf %02x $((PART_LBAS >> 8 & 255)))\\x00\\x00"
		head -c 48 /dev/zero
		printf '\x55\xaa'
	} | dd of="$tmp" bs=$LBA count=1 iflag=fullblock conv=notrunc status=none
	text_lbas "$tmp" "$id" 1 512
	text_lbas "$tmp" "$id" $((SCRATCH_LBA - MIB_LBAS)) $SCRATCH_LBA
	text_lbas "$tmp" "$id" $((SCRATCH_LBA + SCRATCH_LBAS)) $((SCRATCH_LBA + SCRATCH_LBAS + MIB_LBAS))
	if command -v mkfs.minix > /dev/null; then
		truncate -s $((PART_LBAS * LBA)) "$tmp.fs"
		mkfs.minix "$tmp.fs" > /dev/null
		dd if="$tmp.fs" of="$tmp" bs=$LBA seek=$PART_LBA conv=notrunc,sparse status=none
		rm -f "$tmp.fs"
	else
		lab_log "nvme-media.sh: no mkfs.minix (util-linux) on this host: $file's partition 1 stays empty, and runner_nvme's mount test SKIPs"
	fi
	[ "$(stat -c %s "$tmp")" = $((SIZE_MIB << 20)) ] || lab_die "nvme-media.sh: $tmp has the wrong size"
	mv "$tmp" "$file"
}

# sum FILE LABEL FIRST COUNT
sum() {
	printf '%s\t%s\n' "$2" "$(dd if="$1" bs=$LBA skip="$3" count="$4" status=none | sha256sum | cut -d' ' -f1)"
}

sums() {
	local f=$1
	sum "$f" "the first MiB (LBAs 0..2047)" 0 $MIB_LBAS
	sum "$f" "partition 1 (LBAs $PART_LBA..$((PART_LBA + PART_LBAS - 1)))" $PART_LBA $PART_LBAS
	sum "$f" "the MiB before the scratch range (LBAs $((SCRATCH_LBA - MIB_LBAS))..$((SCRATCH_LBA - 1)))" \
		$((SCRATCH_LBA - MIB_LBAS)) $MIB_LBAS
	sum "$f" "the MiB after the scratch range (LBAs $((SCRATCH_LBA + SCRATCH_LBAS))..$((SCRATCH_LBA + SCRATCH_LBAS + MIB_LBAS - 1)))" \
		$((SCRATCH_LBA + SCRATCH_LBAS)) $MIB_LBAS
}

case "${1:-}" in
create) [ $# = 3 ] || lab_die "usage: nvme-media.sh create FILE ID"; create "$2" "$3" ;;
sums) [ $# = 2 ] && [ -f "$2" ] || lab_die "usage: nvme-media.sh sums FILE"; sums "$2" ;;
scratch) echo "1:$SCRATCH_LBA+$SCRATCH_LBAS" ;;
*) lab_die "usage: nvme-media.sh create FILE ID | sums FILE | scratch" ;;
esac
