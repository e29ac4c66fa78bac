/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stage-1 page tables in the Armv8-A VMSAv8-64 long-descriptor format (4 KiB
 * granule, 39-bit input: levels 1-3), built by a test in memory that it maps
 * into a stage-2 address space at base_ipa: every table address and every
 * output address is an IPA. Arm ARM D8 (VMSAv8-64 translation), the format an
 * SMMUv3 context descriptor's TTB0 points at (IHI 0070 5.4).
 */
#ifndef LAB_LPAE_H
#define LAB_LPAE_H

#include <stddef.h>
#include <stdint.h>

#define LAB_LPAE_VA_BITS 39
#define LAB_LPAE_READ (1u << 0)
#define LAB_LPAE_WRITE (1u << 1)

struct lab_lpae {
	uint8_t *mem;		/* npages pages of table memory, zeroed by init */
	uint64_t base_ipa;	/* where mem sits in the stage-2 address space */
	size_t npages, used;
	uint64_t root_ipa;	/* the level-1 table: TTB0 */
};

/* 0, or -EINVAL for an unaligned mem/base_ipa or no room for the root. */
int lab_lpae_init(struct lab_lpae *t, void *mem, uint64_t base_ipa, size_t npages);
/* Map [va, va + len) to [ipa, ipa + len) with 4 KiB pages. 0, -EINVAL
 * (unaligned, or beyond the 39-bit input range), -EEXIST (already mapped),
 * -ENOMEM (table memory used up). */
int lab_lpae_map(struct lab_lpae *t, uint64_t va, uint64_t ipa, uint64_t len, uint32_t prot);
/* Clear the page entries of [va, va + len); -ENOENT if one was not mapped. */
int lab_lpae_unmap(struct lab_lpae *t, uint64_t va, uint64_t len);
/* The level-3 (page) descriptor lab_lpae_map() writes, for unit tests. */
uint64_t lab_lpae_page_desc(uint64_t ipa, uint32_t prot);

#endif
