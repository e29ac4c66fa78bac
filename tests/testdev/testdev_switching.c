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

	/* Buffers mapped with the DMA API too: their dma_addr is an IOVA of the default domain. */
	test_cmd_buf_dma_api(SZ_4K, &a, &a_dma);
	test_cmd_buf_dma_api(SZ_4K, &b, &b_dma);
	TH_LOG("default domain %s: buffers at IOVA %#llx, %#llx", self->f.info.iommu_domain_type,
	       (unsigned long long)a_dma, (unsigned long long)b_dma);

	/* 1. default domain */
	test_cmd_copy_lands(90, a, a_dma, b, b_dma);

	/* 2. the test domain, mapping the same buffers at other IOVAs */
	test_cmd_copy_domain(0, &dom, a, 0, b, 0);
	test_cmd_attach(dom);
	test_cmd_copy_lands(91, a, IOVA_SRC, b, IOVA_DST);

	/* 3. blocked: the test domain's IOVAs fault, nothing is written */
	test_cmd_detach();
	test_cmd_state(ITD_STATE_BLOCKED, 0);
	test_cmd_fill(a, 0, SZ_4K, 92);
	test_cmd_copy_blocked(IOVA_SRC, IOVA_DST, SZ_4K, IOVA_SRC, 0);
	EXPECT_PATTERN(b, 0, SZ_4K, 91, 0);

	/* 4. the test domain again */
	test_cmd_attach(dom);
	test_cmd_copy(IOVA_SRC, IOVA_DST, SZ_4K);
	EXPECT_PATTERN(b, 0, SZ_4K, 92, 0);

	/* 5. back to the default domain: the DMA API addresses work again */
	test_cmd_attach_state(ITD_DOMAIN_DEFAULT, ITD_STATE_DEFAULT);
	test_cmd_copy_lands(93, a, a_dma, b, b_dma);
}

TEST_HARNESS_MAIN
