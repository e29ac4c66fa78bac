// SPDX-License-Identifier: GPL-2.0-only
#include <endian.h>
#include <errno.h>
#include <string.h>
#include "lpae.h"

#define PG 4096u
#define DESC_VALID (1ull << 0)
#define DESC_TABLE (1ull << 1)		/* levels 1-2: table; level 3: page */
#define DESC_AP_UNPRIV (1ull << 6)	/* AP[1]: unprivileged access allowed */
#define DESC_AP_RDONLY (1ull << 7)	/* AP[2]: read-only */
#define DESC_SH_INNER (3ull << 8)
#define DESC_AF (1ull << 10)		/* access flag: set, so no access-flag fault */
#define DESC_NG (1ull << 11)		/* not global: belongs to the CD's ASID */
#define DESC_ADDR 0x0000fffffffff000ull	/* output address bits 47:12 */

uint64_t lab_lpae_page_desc(uint64_t ipa, uint32_t prot)
{
	/* AttrIndx 0: MAIR attribute 0, normal write-back memory in our CDs.
	 * A page is readable whenever valid; AP cannot express write-only. */
	return (ipa & DESC_ADDR) | DESC_VALID | DESC_TABLE | DESC_AP_UNPRIV |
	       (prot & LAB_LPAE_WRITE ? 0 : DESC_AP_RDONLY) | DESC_SH_INNER | DESC_AF | DESC_NG;
}

static uint64_t *table_at(struct lab_lpae *t, uint64_t ipa)
{
	return (uint64_t *)(t->mem + (ipa - t->base_ipa));
}

static int alloc_table(struct lab_lpae *t, uint64_t *ipa)
{
	if (t->used >= t->npages)
		return -ENOMEM;
	*ipa = t->base_ipa + t->used++ * PG;
	return 0;	/* init zeroed the memory: every entry invalid */
}

int lab_lpae_init(struct lab_lpae *t, void *mem, uint64_t base_ipa, size_t npages)
{
	memset(t, 0, sizeof(*t));
	if (((uintptr_t)mem | base_ipa) & (PG - 1) || !npages)
		return -EINVAL;
	t->mem = mem;
	t->base_ipa = base_ipa;
	t->npages = npages;
	memset(mem, 0, npages * PG);
	return alloc_table(t, &t->root_ipa);
}

/* The level-3 entry for va, creating level-2 and level-3 tables if create. */
static uint64_t *leaf(struct lab_lpae *t, uint64_t va, int create)
{
	uint64_t table = t->root_ipa;

	for (int level = 1; level <= 2; level++) {
		unsigned int shift = 39 - 9 * level;	/* level 1: bits 38:30, level 2: 29:21 */
		uint64_t *e = &table_at(t, table)[(va >> shift) & 511];
		uint64_t d = le64toh(*e), next;

		if (!(d & DESC_VALID)) {
			if (!create || alloc_table(t, &next))
				return NULL;
			*e = htole64(next | DESC_VALID | DESC_TABLE);
			d = next;
		}
		table = d & DESC_ADDR;
	}
	return &table_at(t, table)[(va >> 12) & 511];
}

int lab_lpae_map(struct lab_lpae *t, uint64_t va, uint64_t ipa, uint64_t len, uint32_t prot)
{
	if ((va | ipa | len) & (PG - 1) || !len || va + len > (1ull << LAB_LPAE_VA_BITS) || va + len < va)
		return -EINVAL;
	for (uint64_t off = 0; off < len; off += PG) {
		uint64_t *e = leaf(t, va + off, 1);

		if (!e)
			return -ENOMEM;
		if (le64toh(*e) & DESC_VALID)
			return -EEXIST;
		*e = htole64(lab_lpae_page_desc(ipa + off, prot));
	}
	return 0;
}

int lab_lpae_unmap(struct lab_lpae *t, uint64_t va, uint64_t len)
{
	if ((va | len) & (PG - 1) || va + len > (1ull << LAB_LPAE_VA_BITS))
		return -EINVAL;
	for (uint64_t off = 0; off < len; off += PG) {
		uint64_t *e = leaf(t, va + off, 0);

		if (!e || !(le64toh(*e) & DESC_VALID))
			return -ENOENT;
		*e = 0;
	}
	return 0;
}
