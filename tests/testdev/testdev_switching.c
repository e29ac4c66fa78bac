// SPDX-License-Identifier: GPL-2.0-only
/*
 * Domain switching at the requester ID: default DMA domain -> test domain ->
 * blocked -> test domain -> default, with DMA verified to land (or to fault)
 * in every state. docs/tests/testdev.md.
 */
#include "kselftest_harness.h"
#include "testdev_common.h"

TD_DMA_FIXTURE()

TEST_F(dma, default_test_blocked_test_default)
{
	uint64_t a_dma, b_dma;
	uint32_t dom, a, b;
	struct itd_info info;

	/* Buffers mapped with the DMA API too: their dma_addr is an IOVA of the default domain. */
	test_cmd_buf_dma_api(SZ_4K, &a, &a_dma);
	test_cmd_buf_dma_api(SZ_4K, &b, &b_dma);
	TH_LOG("default domain %s: buffers at IOVA %#llx, %#llx", self->f.info.iommu_domain_type,
	       (unsigned long long)a_dma, (unsigned long long)b_dma);

	/* 1. default domain */
	test_cmd_fill(a, 0, SZ_4K, 90);
	test_cmd_copy(a_dma, b_dma, SZ_4K);
	EXPECT_PATTERN(b, 0, SZ_4K, 90, 0);

	/* 2. the test domain, mapping the same buffers at other IOVAs */
	test_cmd_domain(&dom);
	test_cmd_map(dom, IOVA_SRC, a, 0, SZ_4K, ITD_MAP_READ);
	test_cmd_map(dom, IOVA_DST, b, 0, SZ_4K, RW);
	test_cmd_attach(dom);
	test_cmd_fill(a, 0, SZ_4K, 91);
	test_cmd_copy(IOVA_SRC, IOVA_DST, SZ_4K);
	EXPECT_PATTERN(b, 0, SZ_4K, 91, 0);

	/* 3. blocked: the test domain's IOVAs fault, nothing is written */
	test_cmd_detach();
	ASSERT_EQ(0, lab_td_info(self->f.fd, &info));
	EXPECT_EQ(ITD_STATE_BLOCKED, info.state);
	test_cmd_fill(a, 0, SZ_4K, 92);
	test_cmd_copy_blocked(IOVA_SRC, IOVA_DST, SZ_4K, IOVA_SRC, 0);
	EXPECT_PATTERN(b, 0, SZ_4K, 91, 0);

	/* 4. the test domain again */
	test_cmd_attach(dom);
	test_cmd_copy(IOVA_SRC, IOVA_DST, SZ_4K);
	EXPECT_PATTERN(b, 0, SZ_4K, 92, 0);

	/* 5. back to the default domain: the DMA API addresses work again */
	ASSERT_EQ(0, lab_td_attach(self->f.fd, ITD_DOMAIN_DEFAULT));
	ASSERT_EQ(0, lab_td_info(self->f.fd, &info));
	EXPECT_EQ(ITD_STATE_DEFAULT, info.state);
	test_cmd_fill(a, 0, SZ_4K, 93);
	test_cmd_copy(a_dma, b_dma, SZ_4K);
	EXPECT_PATTERN(b, 0, SZ_4K, 93, 0);
}

TEST_HARNESS_MAIN
