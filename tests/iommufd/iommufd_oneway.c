// SPDX-License-Identifier: GPL-2.0-only
/*
 * One-sided DMA through iommufd, by engines that have it: nvme's reads and
 * compares never write the media, so these run on any lab host, with or
 * without a scratch range. Device to memory: a Read of the device's
 * reference data (NVMe: LBAs from 0, or Identify Controller data without a
 * namespace) lands in its page and nowhere else. Memory to device: a Compare
 * of a buffer the device reads through a read-only mapping succeeds, and
 * fails once a byte differs (the comparison is real); a Compare at an
 * unmapped IOVA is refused by the IOMMU, whose fault record names the
 * device and the IOVA. docs/tests/iommufd.md.
 *
 * The reference data are unknown to the CPU (a blank disk reads zeros, a
 * used one anything), so a read is made twice over two different poisons:
 * the two results agree only if both landed.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "iommufd_utils.h"
#include "lab_results.h"

#define PG 4096u
#define IOVA_RW 0x30000000ull		/* buffer pages 0..2: poison, target, poison */
#define IOVA_RO 0x31000000ull		/* buffer page 3, read-only for the device */
#define IOVA_UNMAPPED 0x32000000ull	/* nothing here */
#define POISON_A 0x5a
#define POISON_B 0xa5

FIXTURE(oneway) {
	int ifd;
	struct idev dev;
	uint32_t ioas, hwpt;
	uint8_t *buf;		/* 4 pages */
};
FIXTURE_VARIANT(oneway) { const struct lab_uengine_ops *ops; };
FIXTURE_VARIANT_ADD(oneway, nvme) { .ops = &lab_uengine_nvme };

FIXTURE_SETUP(oneway)
{
	uint32_t granule;
	char bdf[32];

	self->ifd = -1;
	self->dev.pci.fd = -1;
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_IOMMUFD);
	test_find_vfio(variant->ops, bdf);
	test_open_iommufd(&self->ifd);
	test_open_vfio(self->ifd, bdf, &self->dev);
	test_open_engine(&self->dev);
	test_record_engine(&self->dev);
	self->buf = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 0, 4 * PG);
	test_cmd_ioas_alloc(&self->ioas);
	test_cmd_ioas_map(self->ioas, self->buf, 3 * PG, IOVA_RW, LAB_IOAS_READ | LAB_IOAS_WRITE);
	test_cmd_ioas_map(self->ioas, self->buf + 3 * PG, PG, IOVA_RO, LAB_IOAS_READ);
	test_cmd_ctrl_map(&self->dev, self->ioas);
	test_cmd_hwpt_alloc(&self->dev, self->ioas, 0, &self->hwpt);
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->hwpt);
	test_cmd_engine_granule(&self->dev, &granule);
	if (granule > PG)
		SKIP(return, "%s: transfers of %u bytes, more than the page the tests use", bdf, granule);
}

FIXTURE_TEARDOWN(oneway)
{
	test_close_idev(self->ifd, &self->dev);
	if (self->ifd >= 0)
		close(self->ifd);
	if (self->buf && self->buf != MAP_FAILED)
		munmap(self->buf, 4 * PG);
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Read the reference data into buffer page 1 over the poison in pages 0..2. */
static void read_over(struct __test_metadata *_metadata, FIXTURE_DATA(oneway) *self, uint8_t poison)
{
	struct lab_dma_result r;

	memset(self->buf, poison, 3 * PG);
	ASSERT_OK(lab_uengine_read(&self->dev.eng, IOVA_RW + PG, PG, LAB_NO_PASID, &r));
	ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("read: %s %s", lab_dma_status_name(r.status), self->dev.eng.why);
}

/* Device to memory: the page gets the data, both neighbours keep their poison. */
TEST_F(oneway, read_lands_in_its_page_and_nowhere_else)
{
	read_over(_metadata, self, POISON_A);
	EXPECT_TRUE(all_bytes(self->buf, PG, POISON_A)) TH_LOG("the page before was written");
	EXPECT_TRUE(all_bytes(self->buf + 2 * PG, PG, POISON_A)) TH_LOG("the page after was written");
	memcpy(self->buf + 3 * PG, self->buf + PG, PG);
	read_over(_metadata, self, POISON_B);
	EXPECT_TRUE(all_bytes(self->buf, PG, POISON_B)) TH_LOG("the page before was written");
	EXPECT_TRUE(all_bytes(self->buf + 2 * PG, PG, POISON_B)) TH_LOG("the page after was written");
	EXPECT_EQ(0, memcmp(self->buf + PG, self->buf + 3 * PG, PG))
		TH_LOG("the two reads differ: one did not land (its poison shows)");
}

/*
 * Memory to device: the reference data, read once and put in the page the
 * device sees read-only, compare equal; with one byte changed they do not.
 */
TEST_F(oneway, compare_through_a_read_only_mapping_succeeds)
{
	struct lab_dma_result r;
	int ret;

	read_over(_metadata, self, POISON_A);
	memcpy(self->buf + 3 * PG, self->buf + PG, PG);
	ret = lab_uengine_compare(&self->dev.eng, IOVA_RO, PG, LAB_NO_PASID, &r);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "%s", self->dev.eng.why);
	ASSERT_OK(ret);
	EXPECT_EQ(LAB_DMA_OK, r.status) TH_LOG("compare of the reference data: %s %s",
					       lab_dma_status_name(r.status), self->dev.eng.why);
	self->buf[3 * PG + 100] ^= 0x01;
	ASSERT_OK(lab_uengine_compare(&self->dev.eng, IOVA_RO, PG, LAB_NO_PASID, &r));
	EXPECT_EQ(LAB_DMA_MISMATCH, r.status) TH_LOG("compare with a byte changed: %s",
						     lab_dma_status_name(r.status));
}

/*
 * Memory to device at an IOVA nothing is mapped at: the IOMMU refuses the
 * device's reads and logs the fault (the evidence, whatever the device
 * makes of it). What the device reported is logged and recorded: an NVMe
 * controller that is told of the refused read fails the command (Data
 * Transfer Error: FAULT); one that is not compares what it got instead
 * (QEMU's model: zeros) and says MISMATCH, or OK where the media are zero.
 */
TEST_F(oneway, compare_at_an_unmapped_iova_faults)
{
	struct lab_fault_rec recs[16];
	struct lab_kmsg_mark mark;
	struct lab_dma_result r;
	int i, ret;

	if (lab_kmsg_mark(&mark))
		SKIP(return, "the kernel log is not readable: the IOMMU's fault record cannot be seen");
	/* Repeated (up to three times) when the IOMMU driver's rate limit
	 * may have dropped the record, as soon as its window is over. */
	for (int attempt = 0; attempt < 3; attempt++) {
		lab_kmsg_mark(&mark);
		ret = lab_uengine_compare(&self->dev.eng, IOVA_UNMAPPED, PG, LAB_NO_PASID, &r);
		if (ret == -EOPNOTSUPP)
			SKIP(return, "%s", self->dev.eng.why);
		ASSERT_OK(ret);
		TH_LOG("compare at %#llx: %s (device status %#x)", (unsigned long long)IOVA_UNMAPPED,
		       lab_dma_status_name(r.status), r.device_status);
		EXPECT_TRUE(r.status == LAB_DMA_FAULT || r.status == LAB_DMA_MISMATCH || r.status == LAB_DMA_OK)
			TH_LOG("%s", self->dev.eng.why);
		i = (attempt < 2 ? lab_faults_wait_or_retry : lab_faults_wait)(&mark, recs, 16, self->dev.pci.bdf,
									    IOVA_UNMAPPED, -1, LAB_FAULT_LOG_WAIT_MS);
		if (i >= 0)
			break;
	}
	lab_record_metric("device_reported_the_fault", r.status == LAB_DMA_FAULT, "bool");
	ASSERT_LE(0, i) TH_LOG("no IOMMU fault logged for %s at %#llx within %d ms, three times", self->dev.pci.bdf,
			       (unsigned long long)IOVA_UNMAPPED, LAB_FAULT_LOG_WAIT_MS);
	TH_LOG("IOMMU fault: %s %s at %#llx", recs[i].iommu, recs[i].reason, (unsigned long long)recs[i].iova);
	EXPECT_NE(1, recs[i].write) TH_LOG("the fault was a write: the device only reads for a compare");
	/* The device is still usable: a read lands. */
	read_over(_metadata, self, POISON_B);
	EXPECT_TRUE(all_bytes(self->buf, PG, POISON_B));
}

TEST_HARNESS_MAIN
