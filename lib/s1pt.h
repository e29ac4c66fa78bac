/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stage-1 page tables a test builds for nested translation, in memory that it
 * maps into the stage-2 address space at base_ipa: every table address and
 * every output address is an IPA (Arm) or GPA (Intel). 4 KiB granule, 512
 * entries a level, 4 KiB pages only. Formats:
 *   LAB_S1PT_ARM_VMSA   Armv8-A VMSAv8-64 long descriptors, 39-bit input,
 *                       levels 1-3 (Arm ARM D8); an SMMUv3 CD's TTB0
 *   LAB_S1PT_INTEL_FS   Intel first-stage (IA-32e 4-level) paging, 48-bit
 *                       input (VT-d 3.x, 3.6 and 9.7); IOMMU_HWPT_DATA_VTD_S1
 */
#ifndef LAB_S1PT_H
#define LAB_S1PT_H

#include <stddef.h>
#include <stdint.h>

enum lab_s1pt_format { LAB_S1PT_ARM_VMSA, LAB_S1PT_INTEL_FS };
#define LAB_S1PT_READ (1u << 0)
#define LAB_S1PT_WRITE (1u << 1)

struct lab_s1pt {
	enum lab_s1pt_format fmt;
	unsigned int va_bits, levels;
	uint8_t *mem;		/* npages pages of table memory, zeroed by init */
	uint64_t base_ipa;	/* where mem sits in the stage-2 address space */
	size_t npages, used;
	uint64_t root_ipa;	/* the top-level table: TTB0 / the first-stage pointer */
};

/* 0, or -EINVAL for an unaligned mem/base_ipa, an unknown format or no pages. */
int lab_s1pt_init(struct lab_s1pt *t, enum lab_s1pt_format fmt, void *mem, uint64_t base_ipa, size_t npages);
/* Map [va, va + len) to [ipa, ipa + len) with 4 KiB pages. 0, -EINVAL
 * (unaligned, or beyond the input range), -EEXIST (already mapped),
 * -ENOMEM (table memory used up). */
int lab_s1pt_map(struct lab_s1pt *t, uint64_t va, uint64_t ipa, uint64_t len, uint32_t prot);
/* Clear the page entries of [va, va + len); -ENOENT if one was not mapped. */
int lab_s1pt_unmap(struct lab_s1pt *t, uint64_t va, uint64_t len);
/* The page (last-level) and table descriptors lab_s1pt_map() writes. */
uint64_t lab_s1pt_page_desc(enum lab_s1pt_format fmt, uint64_t ipa, uint32_t prot);
uint64_t lab_s1pt_table_desc(enum lab_s1pt_format fmt, uint64_t ipa);

#endif
