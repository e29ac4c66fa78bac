// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stage-1 builders for nested tests (lib/lpae.c, lib/smmuv3_desc.c) against
 * encodings worked out by hand from the Arm ARM (VMSAv8-64 descriptors) and
 * IHI 0070 (STE, CD, commands).
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include "kselftest_harness.h"
#include "lpae.h"
#include "smmuv3_desc.h"

#define PG 4096u

static uint64_t entry(const struct lab_lpae *t, uint64_t table_ipa, unsigned int index)
{
	return le64toh(((const uint64_t *)(t->mem + (table_ipa - t->base_ipa)))[index]);
}

TEST(page_descriptor)
{
	/* valid + page (0b11), AP[1] unprivileged (0x40), SH inner (0x300),
	 * AF (0x400), nG (0x800); read-only adds AP[2] (0x80) */
	EXPECT_EQ(0x40001f43ull, lab_lpae_page_desc(0x40001000, LAB_LPAE_READ | LAB_LPAE_WRITE));
	EXPECT_EQ(0x40001fc3ull, lab_lpae_page_desc(0x40001000, LAB_LPAE_READ));
}

TEST(three_level_walk)
{
	void *mem = aligned_alloc(PG, 4 * PG);
	struct lab_lpae t;

	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, lab_lpae_init(&t, mem, 0x50000000, 4));
	EXPECT_EQ(0x50000000ull, t.root_ipa);
	ASSERT_EQ(0, lab_lpae_map(&t, 0x10000000, 0x40000000, 2 * PG, LAB_LPAE_READ | LAB_LPAE_WRITE));
	/* 0x10000000: level-1 index 0, level-2 index 0x80, level-3 indexes 0 and 1 */
	EXPECT_EQ(0x50001003ull, entry(&t, 0x50000000, 0));
	EXPECT_EQ(0x50002003ull, entry(&t, 0x50001000, 0x80));
	EXPECT_EQ(0x40000f43ull, entry(&t, 0x50002000, 0));
	EXPECT_EQ(0x40001f43ull, entry(&t, 0x50002000, 1));
	EXPECT_EQ(3u, t.used);
	EXPECT_EQ(-EEXIST, lab_lpae_map(&t, 0x10001000, 0x40005000, PG, LAB_LPAE_READ));
	EXPECT_EQ(-EINVAL, lab_lpae_map(&t, 0x10000800, 0x40000000, PG, LAB_LPAE_READ));
	EXPECT_EQ(-EINVAL, lab_lpae_map(&t, 1ull << 39, 0x40000000, PG, LAB_LPAE_READ));
	/* a new level-2 and level-3 table would be needed: one page is left */
	EXPECT_EQ(-ENOMEM, lab_lpae_map(&t, 0x80000000, 0x40000000, PG, LAB_LPAE_READ));
	EXPECT_EQ(0, lab_lpae_unmap(&t, 0x10001000, PG));
	EXPECT_EQ(0ull, entry(&t, 0x50002000, 1));
	EXPECT_EQ(-ENOENT, lab_lpae_unmap(&t, 0x10001000, PG));
	EXPECT_EQ(-ENOENT, lab_lpae_unmap(&t, 0x30000000, PG));
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

TEST_HARNESS_MAIN
