// SPDX-License-Identifier: GPL-2.0-only
#include <endian.h>
#include <errno.h>
#include <string.h>
#include "s1pt.h"

#define PG 4096u
#define ADDR_MASK 0x000ffffffffff000ull	/* output address bits 51:12 */

/* Armv8-A VMSAv8-64 (Arm ARM D8.3) */
#define ARM_VALID (1ull << 0)
#define ARM_TABLE_OR_PAGE (1ull << 1)	/* levels 1-2: table; level 3: page */
#define ARM_AP_UNPRIV (1ull << 6)	/* AP[1]: unprivileged access allowed */
#define ARM_AP_RDONLY (1ull << 7)	/* AP[2]: read-only */
#define ARM_SH_INNER (3ull << 8)
#define ARM_AF (1ull << 10)		/* access flag set: no access-flag fault */
#define ARM_NG (1ull << 11)		/* not global: belongs to the CD's ASID */

/* Intel first-stage, IA-32e format (VT-d 9.7) */
#define FS_P (1ull << 0)
#define FS_RW (1ull << 1)
#define FS_US (1ull << 2)		/* user: requests without PASID are user requests */
#define FS_A (1ull << 5)		/* accessed, preset: the IOMMU need not set it */
#define FS_D (1ull << 6)		/* dirty (leaf), preset likewise */

uint64_t lab_s1pt_page_desc(enum lab_s1pt_format fmt, uint64_t ipa, uint32_t prot)
{
	if (fmt == LAB_S1PT_INTEL_FS)
		return (ipa & ADDR_MASK) | FS_P | FS_US | FS_A | (prot & LAB_S1PT_WRITE ? FS_RW | FS_D : 0);
	/* AttrIndx 0: MAIR attribute 0, normal write-back memory in our CDs.
	 * A page is readable whenever valid; AP cannot express write-only. */
	return (ipa & ADDR_MASK) | ARM_VALID | ARM_TABLE_OR_PAGE | ARM_AP_UNPRIV |
	       (prot & LAB_S1PT_WRITE ? 0 : ARM_AP_RDONLY) | ARM_SH_INNER | ARM_AF | ARM_NG;
}

uint64_t lab_s1pt_table_desc(enum lab_s1pt_format fmt, uint64_t ipa)
{
	if (fmt == LAB_S1PT_INTEL_FS)	/* the leaf decides access: tables allow all */
		return (ipa & ADDR_MASK) | FS_P | FS_RW | FS_US | FS_A;
	return (ipa & ADDR_MASK) | ARM_VALID | ARM_TABLE_OR_PAGE;
}

static int is_valid(uint64_t d)
{
	return d & 1;	/* Arm valid and Intel present are both bit 0 */
}

static uint64_t *table_at(struct lab_s1pt *t, uint64_t ipa)
{
	return (uint64_t *)(t->mem + (ipa - t->base_ipa));
}

static int alloc_table(struct lab_s1pt *t, uint64_t *ipa)
{
	if (t->used >= t->npages)
		return -ENOMEM;
	*ipa = t->base_ipa + t->used++ * PG;
	return 0;	/* init zeroed the memory: every entry invalid */
}

int lab_s1pt_init(struct lab_s1pt *t, enum lab_s1pt_format fmt, void *mem, uint64_t base_ipa, size_t npages)
{
	memset(t, 0, sizeof(*t));
	if (((uintptr_t)mem | base_ipa) & (PG - 1) || !npages ||
	    (fmt != LAB_S1PT_ARM_VMSA && fmt != LAB_S1PT_INTEL_FS))
		return -EINVAL;
	t->fmt = fmt;
	t->va_bits = fmt == LAB_S1PT_ARM_VMSA ? 39 : 48;
	t->levels = fmt == LAB_S1PT_ARM_VMSA ? 3 : 4;
	t->mem = mem;
	t->base_ipa = base_ipa;
	t->npages = npages;
	memset(mem, 0, npages * PG);
	return alloc_table(t, &t->root_ipa);
}

/* The last-level entry for va, creating the tables on the way if create. */
static uint64_t *leaf(struct lab_s1pt *t, uint64_t va, int create)
{
	uint64_t table = t->root_ipa;

	for (unsigned int level = 0; level + 1 < t->levels; level++) {
		unsigned int shift = t->va_bits - 9 * (level + 1);	/* 9 index bits a level */
		uint64_t *e = &table_at(t, table)[(va >> shift) & 511];
		uint64_t d = le64toh(*e), next;

		if (!is_valid(d)) {
			if (!create || alloc_table(t, &next))
				return NULL;
			*e = htole64(lab_s1pt_table_desc(t->fmt, next));
			d = next;
		}
		table = d & ADDR_MASK;
	}
	return &table_at(t, table)[(va >> 12) & 511];
}

int lab_s1pt_map(struct lab_s1pt *t, uint64_t va, uint64_t ipa, uint64_t len, uint32_t prot)
{
	if ((va | ipa | len) & (PG - 1) || !len || va + len > (1ull << t->va_bits) || va + len < va)
		return -EINVAL;
	for (uint64_t off = 0; off < len; off += PG) {
		uint64_t *e = leaf(t, va + off, 1);

		if (!e)
			return -ENOMEM;
		if (is_valid(le64toh(*e)))
			return -EEXIST;
		*e = htole64(lab_s1pt_page_desc(t->fmt, ipa + off, prot));
	}
	return 0;
}

int lab_s1pt_unmap(struct lab_s1pt *t, uint64_t va, uint64_t len)
{
	if ((va | len) & (PG - 1) || va + len > (1ull << t->va_bits))
		return -EINVAL;
	for (uint64_t off = 0; off < len; off += PG) {
		uint64_t *e = leaf(t, va + off, 0);

		if (!e || !is_valid(le64toh(*e)))
			return -ENOENT;
		*e = 0;
	}
	return 0;
}
