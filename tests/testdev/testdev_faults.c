// SPDX-License-Identifier: GPL-2.0-only
/*
 * Permissions and faults: a device access the domain does not allow faults,
 * leaves memory untouched, and the fault is recorded with the right device,
 * IOVA and direction. docs/tests/testdev.md.
 */
#include "kselftest_harness.h"
#include "testdev_common.h"

TD_DMA_FIXTURE()

/* A device write to a read-only mapping faults and the page keeps its data. */
TEST_F(dma, write_to_readonly_mapping_faults)
{
	uint32_t dom, src, dst;

	if (self->f.software)
		SKIP(return, "the software engine sees translations, not permissions");
	test_cmd_buf_alloc(SZ_4K, 0, 0, &src);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &dst);
	test_cmd_fill(src, 0, SZ_4K, 70);
	test_cmd_fill(dst, 0, SZ_4K, 71);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_map(dom, IOVA_SRC, src, 0, SZ_4K, ITD_MAP_READ);
	test_cmd_map(dom, IOVA_DST, dst, 0, SZ_4K, ITD_MAP_READ);
	test_cmd_attach(dom);

	test_cmd_copy_faults(IOVA_SRC, IOVA_DST, SZ_4K, IOVA_DST, 1);
	EXPECT_PATTERN(dst, 0, SZ_4K, 71, 0);
}

/* A device write to an unmapped IOVA between two mapped pages faults and
 * neither neighbour is written. */
TEST_F(dma, write_to_unmapped_iova_faults)
{
	uint32_t dom, src, dst;

	test_cmd_buf_alloc(SZ_4K, 0, 0, &src);
	test_cmd_buf_alloc(2 * SZ_4K, 0, 0, &dst);
	test_cmd_fill(src, 0, SZ_4K, 72);
	test_cmd_copy_domain(0, &dom, src, 0, dst, 0);
	test_cmd_map(dom, IOVA_DST + 2 * SZ_4K, dst, SZ_4K, SZ_4K, RW);
	test_cmd_attach(dom);

	test_cmd_copy_faults(IOVA_SRC, IOVA_DST + SZ_4K, SZ_4K, IOVA_DST + SZ_4K, 1);
	EXPECT_ZERO(dst, 0, 2 * SZ_4K);
}

/* A device read from an unmapped IOVA faults, as a read at that IOVA. */
TEST_F(dma, read_from_unmapped_iova_faults)
{
	uint32_t dom, dst;

	test_cmd_buf_alloc(SZ_4K, 0, 0, &dst);
	test_cmd_domain_attached(&dom, IOVA_DST, dst, SZ_4K, RW);

	test_cmd_copy_faults(IOVA_SRC + 0x5000, IOVA_DST, SZ_4K, IOVA_SRC + 0x5000, 0);
}

/* With the device blocked (owned by the module, no domain), no access reaches
 * memory; the fault is reported where the IOMMU reports blocked accesses. */
TEST_F(dma, blocked_device_faults)
{
	uint32_t dom, src, dst;

	if (td_blocked_issues_nothing(&self->f))
		SKIP(return, "the %s engine fetches its commands by DMA: with the RID blocked it "
		     "can issue nothing (ENOLINK), so no access can fault", self->f.info.engine);
	test_cmd_copy_pages(&dom, &src, &dst, 73);
	test_cmd_attach(ITD_DOMAIN_BLOCKED);

	test_cmd_copy_blocked(IOVA_SRC, IOVA_DST, SZ_4K, IOVA_SRC, 0);
	EXPECT_ZERO(dst, 0, SZ_4K);
}

/*
 * The IOMMU itself reports a device's fault, with the device, the IOVA and
 * the direction, in the kernel log (VT-d fault recording, SMMUv3 event queue).
 * The other tests also accept the device's own report (labdev's registers,
 * an NVMe status), which needs no wait for the drivers' rate-limited log.
 */
TEST_F(dma, the_iommu_reports_a_device_fault_with_its_iova_and_direction)
{
	uint32_t dom, src, dst;
	bool seen;
	int st;

	if (self->f.software)
		SKIP(return, "the software engine's walk involves no IOMMU: nothing for it to report");
	if (!self->f.kmsg_ok)
		SKIP(return, "the kernel log is unreadable: the IOMMU's fault reports cannot be seen");
	test_cmd_buf_alloc(SZ_4K, 0, 0, &src);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &dst);
	test_cmd_fill(src, 0, SZ_4K, 74);
	test_cmd_copy_domain(0, &dom, src, 0, dst, 0);
	test_cmd_attach(dom);

	st = td_copy_faults_in(&self->f, IOVA_SRC, IOVA_DST + SZ_4K, SZ_4K, IOVA_DST + SZ_4K, 1, true, &seen);
	ASSERT_LE(0, st) TH_LOG("ITD_DMA: %s", strerror(-st));
	EXPECT_TRUE(seen) TH_LOG("the IOMMU driver logged no write fault for %s at IOVA %#llx",
				 self->f.bdf, (unsigned long long)(IOVA_DST + SZ_4K));
	EXPECT_ZERO(dst, 0, SZ_4K);
}

TEST_HARNESS_MAIN
