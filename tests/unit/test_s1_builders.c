// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stage-1 builders for nested tests (lib/s1pt.c, lib/smmuv3_desc.c) against
 * encodings worked out by hand from the Arm ARM (VMSAv8-64 descriptors), the
 * VT-d specification (first-stage, IA-32e paging entries) and IHI 0070 (STE,
 * CD, commands).
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include "kselftest_harness.h"
#include "s1pt.h"
#include "smmuv3_desc.h"

#define PG 4096u

static uint64_t entry(const struct lab_s1pt *t, uint64_t table_ipa, unsigned int index)
{
	return le64toh(((const uint64_t *)(t->mem + (table_ipa - t->base_ipa)))[index]);
}

/*
 * What the builders must write when [0x10000000, + len) is mapped read-write
 * to 0x40000000 in fresh tables at 0x50000000: each entry the walk passes
 * (the table, the index in it, the descriptor there), and the pages used.
 */
struct walk {
	enum lab_s1pt_format fmt;
	size_t npages;		/* table memory */
	uint64_t len;
	struct { uint64_t table_ipa; unsigned int index; uint64_t desc; } entries[4];
	size_t used;
};

/* 0x10000000: level-1 index 0, level-2 index 0x80, level-3 indexes 0 and 1 */
static const struct walk arm_three_levels = {
	LAB_S1PT_ARM_VMSA, 4, 2 * PG,
	{ { 0x50000000, 0, 0x50001003 }, { 0x50001000, 0x80, 0x50002003 },
	  { 0x50002000, 0, 0x40000f43 }, { 0x50002000, 1, 0x40001f43 } }, 3,
};

/* 0x10000000: PML4 index 0, PDPT index 0, PD index 0x80, PT index 0 */
static const struct walk intel_four_levels = {
	LAB_S1PT_INTEL_FS, 5, PG,
	{ { 0x50000000, 0, 0x50001027 }, { 0x50001000, 0, 0x50002027 },
	  { 0x50002000, 0x80, 0x50003027 }, { 0x50003000, 0, 0x40000067 } }, 4,
};

/* Build w's tables and check its walk: the table memory, to free. */
static void *build_walk(struct __test_metadata *_metadata, struct lab_s1pt *t, const struct walk *w)
{
	void *mem = aligned_alloc(PG, w->npages * PG);
	size_t i;

	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, lab_s1pt_init(t, w->fmt, mem, 0x50000000, w->npages));
	ASSERT_EQ(0, lab_s1pt_map(t, 0x10000000, 0x40000000, w->len, LAB_S1PT_READ | LAB_S1PT_WRITE));
	for (i = 0; i < ARRAY_SIZE(w->entries); i++)
		EXPECT_EQ(w->entries[i].desc, entry(t, w->entries[i].table_ipa, w->entries[i].index))
			TH_LOG("table %#llx index %u", (unsigned long long)w->entries[i].table_ipa,
			       w->entries[i].index);
	EXPECT_EQ(w->used, t->used);
	return mem;
}

TEST(page_descriptor)
{
	/* valid + page (0b11), AP[1] unprivileged (0x40), SH inner (0x300),
	 * AF (0x400), nG (0x800); read-only adds AP[2] (0x80) */
	EXPECT_EQ(0x40001f43ull, lab_s1pt_page_desc(LAB_S1PT_ARM_VMSA, 0x40001000, LAB_S1PT_READ | LAB_S1PT_WRITE));
	EXPECT_EQ(0x40001fc3ull, lab_s1pt_page_desc(LAB_S1PT_ARM_VMSA, 0x40001000, LAB_S1PT_READ));
}

TEST(three_level_walk)
{
	struct lab_s1pt t;
	void *mem = build_walk(_metadata, &t, &arm_three_levels);

	EXPECT_EQ(0x50000000ull, t.root_ipa);
	EXPECT_EQ(-EEXIST, lab_s1pt_map(&t, 0x10001000, 0x40005000, PG, LAB_S1PT_READ));
	EXPECT_EQ(-EINVAL, lab_s1pt_map(&t, 0x10000800, 0x40000000, PG, LAB_S1PT_READ));
	EXPECT_EQ(-EINVAL, lab_s1pt_map(&t, 1ull << 39, 0x40000000, PG, LAB_S1PT_READ));
	/* a new level-2 and level-3 table would be needed: one page is left */
	EXPECT_EQ(-ENOMEM, lab_s1pt_map(&t, 0x80000000, 0x40000000, PG, LAB_S1PT_READ));
	EXPECT_EQ(0, lab_s1pt_unmap(&t, 0x10001000, PG));
	EXPECT_EQ(0ull, entry(&t, 0x50002000, 1));
	EXPECT_EQ(-ENOENT, lab_s1pt_unmap(&t, 0x10001000, PG));
	EXPECT_EQ(-ENOENT, lab_s1pt_unmap(&t, 0x30000000, PG));
	free(mem);
}

TEST(intel_first_stage_descriptors)
{
	/* present, R/W, U/S (requests without PASID are user requests), accessed
	 * and dirty preset; read-only drops R/W and D; tables allow everything */
	EXPECT_EQ(0x40001067ull, lab_s1pt_page_desc(LAB_S1PT_INTEL_FS, 0x40001000, LAB_S1PT_READ | LAB_S1PT_WRITE));
	EXPECT_EQ(0x40001025ull, lab_s1pt_page_desc(LAB_S1PT_INTEL_FS, 0x40001000, LAB_S1PT_READ));
	EXPECT_EQ(0x50001027ull, lab_s1pt_table_desc(LAB_S1PT_INTEL_FS, 0x50001000));
}

TEST(intel_four_level_walk)
{
	struct lab_s1pt t;
	void *mem = build_walk(_metadata, &t, &intel_four_levels);

	EXPECT_EQ(48u, t.va_bits);
	/* 1 << 39: PML4 index 1, a new PDPT, PD and PT: only one page is left */
	EXPECT_EQ(-ENOMEM, lab_s1pt_map(&t, 1ull << 39, 0x40000000, PG, LAB_S1PT_READ));
	EXPECT_EQ(-EINVAL, lab_s1pt_map(&t, 1ull << 48, 0x40000000, PG, LAB_S1PT_READ));
	free(mem);
}

TEST(context_descriptor)
{
	uint64_t cd[8];

	lab_smmuv3_cd(cd, 7, 0x50000000, 39);
	/* T0SZ 25 (0x19), IR0/OR0 WBWA (0x500), SH0 inner (0x3000), EPD1 + V
	 * (0xc0000000); IPS 48-bit (5 << 32), AA64 (bit 41), R, A, ASET (45-47),
	 * ASID 7 (<< 48) */
	EXPECT_EQ(0x0007e205c0003519ull, cd[0]);
	EXPECT_EQ(0x50000000ull, cd[1]);
	EXPECT_EQ(0ull, cd[2]);
	EXPECT_EQ(0xffull, cd[3]);
}

TEST(virtual_ste)
{
	uint64_t ste[2];

	lab_smmuv3_vste(ste, LAB_STE_S1_TRANS, 0x60000000);
	EXPECT_EQ(0x6000000bull, ste[0]);	/* V, Config 0b101, S1ContextPtr */
	EXPECT_EQ(0ull, ste[1]);
	lab_smmuv3_vste(ste, LAB_STE_BYPASS, 0x60000000);
	EXPECT_EQ(0x9ull, ste[0]);
	lab_smmuv3_vste(ste, LAB_STE_ABORT, 0x60000000);
	EXPECT_EQ(0x1ull, ste[0]);
}

TEST(commands)
{
	uint64_t c[2];

	lab_smmuv3_cmd_cfgi_ste(c, 0x42);
	EXPECT_EQ(0x0000004200000003ull, c[0]);
	EXPECT_EQ(1ull, c[1]);
	lab_smmuv3_cmd_cfgi_cd(c, 0x42, 3);
	EXPECT_EQ(0x0000004200003005ull, c[0]);
	EXPECT_EQ(1ull, c[1]);
	lab_smmuv3_cmd_tlbi_nh_asid(c, 7);
	EXPECT_EQ(0x0007000000000011ull, c[0]);
	lab_smmuv3_cmd_tlbi_nh_va(c, 7, 0x10000fff);
	EXPECT_EQ(0x0007000000000012ull, c[0]);
	EXPECT_EQ(0x10000000ull, c[1]);
}

TEST(virtual_ste_with_a_cd_table)
{
	uint64_t ste[2];

	/* 2-level, 4 KB leaves, S1CDMax 8, S1DSS substream 0 */
	lab_smmuv3_vste_cdtab(ste, 0x60000000, LAB_STE_S1FMT_L2_4K, 8, LAB_STE_S1DSS_SSID0);
	EXPECT_EQ(0x400000006000001bull, ste[0]);	/* S1CDMax 8 << 59, S1Fmt 0b01 << 4 */
	EXPECT_EQ(2ull, ste[1]);
	EXPECT_EQ(0x60001001ull, lab_smmuv3_l1cd(0x60001000));
}

TEST(range_commands)
{
	uint64_t c[8][2];

	lab_smmuv3_cmd_cfgi_cd_all(c[0], 0x42);
	EXPECT_EQ(0x0000004200000006ull, c[0][0]);
	lab_smmuv3_cmd_tlbi_nh_all(c[0]);
	EXPECT_EQ(0x10ull, c[0][0]);
	/* NUM 2, SCALE 1: 6 pages; TTL 3, TG 4 KB, Leaf */
	lab_smmuv3_cmd_tlbi_nh_va_range(c[0], 7, 0x10000000, 2, 1, 3, true);
	EXPECT_EQ(0x0007000000102012ull, c[0][0]);
	EXPECT_EQ(0x10000701ull, c[0][1]);
	/* 513 pages: 1 page (TTL 0: a plain NH_VA), then 512 (NUM 0, SCALE 9) */
	ASSERT_EQ(2, lab_smmuv3_tlbi_range_cmds(c, 8, 7, 0x10000000, 513, 0, false));
	EXPECT_EQ(0x0007000000000012ull, c[0][0]);
	EXPECT_EQ(0x10000000ull, c[0][1]);
	EXPECT_EQ(0x0007000000900012ull, c[1][0]);
	EXPECT_EQ(0x10001400ull, c[1][1]);
	/* 17 pages in one (NUM 16, SCALE 0); 64 pages: NUM 0, SCALE 6 */
	ASSERT_EQ(1, lab_smmuv3_tlbi_range_cmds(c, 8, 7, 0, 17, 0, false));
	EXPECT_EQ(0x0007000000010012ull, c[0][0]);
	ASSERT_EQ(1, lab_smmuv3_tlbi_range_cmds(c, 8, 7, 0, 64, 0, false));
	EXPECT_EQ(0x0007000000600012ull, c[0][0]);
	EXPECT_EQ(-ENOSPC, lab_smmuv3_tlbi_range_cmds(c, 1, 7, 0, 513, 0, false));
}

TEST_HARNESS_MAIN
