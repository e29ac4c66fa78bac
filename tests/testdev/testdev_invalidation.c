// SPDX-License-Identifier: GPL-2.0-only
/*
 * Invalidation ordering: once ITD_UNMAP returns (the module's paging domains
 * are strict: iommu_unmap flushes the IOTLB before returning), the device can
 * no longer reach the old page; a remapped IOVA reaches the new page, never
 * the old one. docs/tests/testdev.md.
 */
#include "kselftest_harness.h"
#include "testdev_common.h"

TD_DMA_FIXTURE()

/* After unmap returns, DMA to that IOVA faults and the old page keeps its data. */
TEST_F(dma, dma_after_unmap_faults)
{
	uint32_t dom, src, dst;

	test_cmd_buf_alloc(SZ_4K, 0, 0, &src);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &dst);
	test_cmd_copy_domain(0, &dom, src, 0, dst, 0);
	test_cmd_attach(dom);
	test_cmd_copy_lands(80, src, IOVA_SRC, dst, IOVA_DST);	/* the translation is now cached */

	test_cmd_unmap(dom, IOVA_DST, SZ_4K);
	test_cmd_fill(src, 0, SZ_4K, 81);
	test_cmd_copy_faults(IOVA_SRC, IOVA_DST, SZ_4K, IOVA_DST, 1);
	EXPECT_PATTERN(dst, 0, SZ_4K, 80, 0);
}

/* Remapping an IOVA to a new page: the next DMA reaches the new page, the old
 * page is never written again. */
TEST_F(dma, remap_reaches_new_page_never_old)
{
	uint32_t dom, src, old, new;

	test_cmd_buf_alloc(SZ_4K, 0, 0, &src);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &old);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &new);
	test_cmd_copy_domain(0, &dom, src, 0, old, 0);
	test_cmd_attach(dom);
	test_cmd_copy_lands(82, src, IOVA_SRC, old, IOVA_DST);

	test_cmd_unmap(dom, IOVA_DST, SZ_4K);
	test_cmd_map(dom, IOVA_DST, new, 0, SZ_4K, RW);
	test_cmd_copy_lands(83, src, IOVA_SRC, new, IOVA_DST);
	EXPECT_PATTERN(old, 0, SZ_4K, 82, 0);
}

/* Unmapping one page leaves its neighbours translating. */
TEST_F(dma, unmap_leaves_neighbours_translating)
{
	uint32_t dom, src, dst;

	test_cmd_buf_alloc(SZ_4K, 0, 0, &src);
	test_cmd_buf_alloc(3 * SZ_4K, 0, 0, &dst);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_map(dom, IOVA_SRC, src, 0, SZ_4K, ITD_MAP_READ);
	for (int i = 0; i < 3; i++)
		test_cmd_map(dom, IOVA_DST + i * SZ_4K, dst, i * SZ_4K, SZ_4K, RW);
	test_cmd_attach(dom);
	test_cmd_fill(src, 0, SZ_4K, 84);
	test_cmd_copy(IOVA_SRC, IOVA_DST + SZ_4K, SZ_4K);

	test_cmd_unmap(dom, IOVA_DST + SZ_4K, SZ_4K);
	test_cmd_copy(IOVA_SRC, IOVA_DST, SZ_4K);
	test_cmd_copy(IOVA_SRC, IOVA_DST + 2 * SZ_4K, SZ_4K);
	EXPECT_PATTERN(dst, 0, SZ_4K, 84, 0);
	EXPECT_PATTERN(dst, 2 * SZ_4K, SZ_4K, 84, 0);
	test_cmd_fill(src, 0, SZ_4K, 85);
	test_cmd_copy_faults(IOVA_SRC, IOVA_DST + SZ_4K, SZ_4K, IOVA_DST + SZ_4K, 1);
	EXPECT_PATTERN(dst, SZ_4K, SZ_4K, 84, 0);
}

/* Map, DMA, unmap at one IOVA, alternating between two pages: each DMA lands
 * in the page mapped at that moment. */
TEST_F(dma, map_unmap_cycles_stay_correct)
{
	const int cycles = 8;
	uint32_t dom, src, page[2];

	test_cmd_buf_alloc(SZ_4K, 0, 0, &src);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &page[0]);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &page[1]);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_map(dom, IOVA_SRC, src, 0, SZ_4K, ITD_MAP_READ);
	test_cmd_attach(dom);
	for (int i = 0; i < cycles; i++) {
		test_cmd_fill(src, 0, SZ_4K, 100 + i);
		test_cmd_map(dom, IOVA_DST, page[i & 1], 0, SZ_4K, RW);
		test_cmd_copy(IOVA_SRC, IOVA_DST, SZ_4K);
		test_cmd_unmap(dom, IOVA_DST, SZ_4K);
		EXPECT_PATTERN(page[i & 1], 0, SZ_4K, 100 + i, 0);
		if (i)
			EXPECT_PATTERN(page[!(i & 1)], 0, SZ_4K, 100 + i - 1, 0);
	}
	lab_record_metric("cycles", cycles, "");
}

TEST_HARNESS_MAIN
