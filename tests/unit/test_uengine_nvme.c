// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the userspace nvme engine (lib/uengine_nvme.c) on the host,
 * against the fake controller of nvme_fake.c (IOVA = offset in its memory;
 * anything beyond fails like a blocked DMA): what copies, pairs, reads and
 * compares do to memory and to the media, that nothing is written outside
 * the scratch range or without one, lengths and PASIDs refused, results
 * mapped, a timed-out controller stopped and set up again, an interrupt per
 * vector. The function is a stand-in (no VFIO): the engine is opened on it,
 * then given the fake's memory as control memory and the fake's registers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kselftest_harness.h"
#include "drivers/nvme/nvme_hw.h"
#include "iommufd.h"
#include "nvme_fake.h"
#include "uengine.h"

#define MEM_SIZE	(8u << 20)
#define CTRL_IOVA	0x10000ull	/* the engine's control memory (about 2.1 MiB) */
#define SRC_IOVA	0x300000ull
#define DST_IOVA	0x500000ull
#define BAD_IOVA	0x40000000ull	/* beyond the fake's memory */
#define LBA		512u
#define SCRATCH_LBA	64u
#define SCRATCH_N	4096u		/* 2 MiB */
#define GUARD		512u

FIXTURE(eng) {
	struct fake_nvme *f;
	struct nvme_core_env env;
	uint8_t bar0[NVME_BAR_MIN_SIZE];
	struct lab_vfio_pci pci;
	struct lab_uengine e;
	void *own_ctrl;		/* the control memory the engine allocated */
	bool open;
};
FIXTURE_VARIANT(eng) { const char *scratch; };
FIXTURE_VARIANT_ADD(eng, scratch) { .scratch = "0000:00:07.0@1:64+4096" };
FIXTURE_VARIANT_ADD(eng, no_scratch) { .scratch = NULL };

FIXTURE_SETUP(eng)
{
	int ret;

	self->f = fake_nvme_new(MEM_SIZE);
	ASSERT_NE(NULL, self->f);
	self->env = fake_nvme_env;
	self->env.ctx = self->f;
	self->pci = (struct lab_vfio_pci){ .fd = -1, .bdf = "0000:00:07.0", .vendor = 0x1b36, .device = 0x0010,
					   .class_code = 0x010802, .bar0 = self->bar0,
					   .bar0_size = sizeof(self->bar0), .msix_on = 8 };
	if (variant->scratch)
		setenv(LAB_NVME_SCRATCH_ENV, variant->scratch, 1);
	else
		unsetenv(LAB_NVME_SCRATCH_ENV);
	ret = lab_uengine_open(&self->pci, &self->e);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->e.why);
	self->open = true;
	ASSERT_EQ(&lab_uengine_nvme, self->e.ops);
	ASSERT_LE(CTRL_IOVA + self->e.ops->ctrl_size, SRC_IOVA);
	self->own_ctrl = self->e.ctrl;
	self->e.ctrl = self->f->mem + CTRL_IOVA;
	self->e.ctrl_iova = CTRL_IOVA;
	lab_uengine_nvme_use_env(&self->e, &self->env);
}

FIXTURE_TEARDOWN(eng)
{
	if (self->open) {
		self->e.ctrl = self->own_ctrl;
		lab_uengine_close(&self->e);
	}
	if (self->f->errors)
		TH_LOG("the fake saw %u broken rules, the last: %s", self->f->errors, self->f->last_error);
	EXPECT_EQ(0, self->f->errors);
	fake_nvme_free(self->f);
	unsetenv(LAB_NVME_SCRATCH_ENV);
}

static void fill(uint8_t *p, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 13u + seed + (i >> 8));
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* The media outside the scratch range still hold the fake's first fill. */
static bool media_untouched_outside_scratch(const struct fake_nvme *f)
{
	size_t disk = (size_t)f->nsze * LBA, lo = (size_t)SCRATCH_LBA * LBA, hi = lo + (size_t)SCRATCH_N * LBA;

	return all_bytes(f->disk, lo, 0x5a) && all_bytes(f->disk + hi, disk - hi, 0x5a);
}

#define NEED_SCRATCH()                                                                        \
	do {                                                                                  \
		if (!variant->scratch)                                                        \
			SKIP(return, "the scratch variant's test");                            \
	} while (0)

TEST_F(eng, is_found_by_class_code_and_recorded_as_a_device)
{
	EXPECT_STREQ("nvme", self->e.ops->name);
	EXPECT_FALSE(self->e.emulated);	/* "device", QEMU's model (1b36:0010) too */
	EXPECT_EQ(variant->scratch != NULL, lab_uengine_can_write(&self->e));
}

TEST_F(eng, copy_is_a_write_then_a_read_through_the_scratch_range)
{
	uint8_t *src = self->f->mem + SRC_IOVA, *dst = self->f->mem + DST_IOVA;
	struct lab_dma_result r;
	uint32_t len = 300 * LBA;	/* several commands (MDTS 128 KiB), PRP lists */

	NEED_SCRATCH();
	fill(src, len, 3);
	memset(dst - GUARD, 0xa5, len + 2 * GUARD);
	ASSERT_EQ(0, lab_uengine_copy(&self->e, SRC_IOVA, DST_IOVA, len, LAB_NO_PASID, &r)) TH_LOG("%s", self->e.why);
	ASSERT_EQ(LAB_DMA_OK, r.status);
	EXPECT_EQ(0, memcmp(src, dst, len));
	EXPECT_TRUE(all_bytes(dst - GUARD, GUARD, 0xa5));
	EXPECT_TRUE(all_bytes(dst + len, GUARD, 0xa5));
	/* On the media: at the scratch range's first LBA, and nowhere else. */
	EXPECT_EQ(0, memcmp(self->f->disk + (size_t)SCRATCH_LBA * LBA, src, len));
	EXPECT_TRUE(media_untouched_outside_scratch(self->f));
	EXPECT_LT(0, self->f->io_cmds[NVME_CMD_WRITE]);
	EXPECT_LT(0, self->f->io_cmds[NVME_CMD_READ]);
}

TEST_F(eng, pair_writes_the_pattern_reads_it_back_and_compares)
{
	uint8_t *dst = self->f->mem + DST_IOVA;
	struct lab_dma_result r;

	NEED_SCRATCH();
	memset(dst, 0, 2 * 4096);
	ASSERT_EQ(0, lab_uengine_pair(&self->e, DST_IOVA + 4, 4096, 0x77, LAB_NO_PASID, &r));
	ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("%s", self->e.why);
	EXPECT_TRUE(lab_labdev_has_pattern(dst + 4, 4096, 0x77));
	EXPECT_TRUE(all_bytes(dst, 4, 0));
	EXPECT_EQ(1u, self->f->io_cmds[NVME_CMD_COMPARE]);
	/* The same seed again: the pattern is not refilled, still right. */
	memset(dst, 0, 2 * 4096);
	ASSERT_EQ(0, lab_uengine_pair(&self->e, DST_IOVA, 2048, 0x77, LAB_NO_PASID, &r));
	EXPECT_EQ(LAB_DMA_OK, r.status);
	EXPECT_TRUE(lab_labdev_has_pattern(dst, 2048, 0x77));
	EXPECT_TRUE(media_untouched_outside_scratch(self->f));
}

TEST_F(eng, pair_where_memory_fails_is_blocked_and_says_which_command)
{
	struct lab_dma_result r;

	NEED_SCRATCH();
	ASSERT_EQ(0, lab_uengine_pair(&self->e, BAD_IOVA, 4096, 1, LAB_NO_PASID, &r));
	/* The fake fails the Read (it writes memory): a write fault at the buffer. */
	EXPECT_EQ(LAB_DMA_FAULT, r.status);
	EXPECT_EQ(BAD_IOVA, r.fault_iova);
	EXPECT_TRUE(r.fault_write);
	EXPECT_EQ(NVME_STS_DATA_XFER_ERROR, r.device_status);
	EXPECT_TRUE(lab_dma_pair_blocked(&self->e, &r));
	/* A compare-side difference counts as blocked for nvme too (blind writes). */
	r.status = LAB_DMA_MISMATCH;
	EXPECT_TRUE(lab_dma_pair_blocked(&self->e, &r));
	/* The engine goes on. */
	ASSERT_EQ(0, lab_uengine_pair(&self->e, DST_IOVA, 512, 2, LAB_NO_PASID, &r));
	EXPECT_EQ(LAB_DMA_OK, r.status);
}

TEST_F(eng, without_scratch_copies_and_pairs_are_refused_and_write_nothing)
{
	struct lab_dma_result r;

	if (variant->scratch)
		SKIP(return, "the no_scratch variant's test");
	EXPECT_EQ(-EROFS, lab_uengine_copy(&self->e, SRC_IOVA, DST_IOVA, 4096, LAB_NO_PASID, &r));
	EXPECT_NE(NULL, strstr(self->e.why, LAB_NVME_SCRATCH_ENV)) TH_LOG("%s", self->e.why);
	EXPECT_EQ(-EROFS, lab_uengine_pair(&self->e, DST_IOVA, 4096, 1, LAB_NO_PASID, &r));
	EXPECT_EQ(0u, self->f->io_cmds[NVME_CMD_WRITE]);
}

TEST_F(eng, read_and_compare_use_the_reference_range_and_never_write)
{
	uint8_t *src = self->f->mem + SRC_IOVA, *dst = self->f->mem + DST_IOVA;
	struct lab_dma_result r;

	memset(dst - GUARD, 0xa5, 8192 + 2 * GUARD);
	ASSERT_EQ(0, lab_uengine_read(&self->e, DST_IOVA, 8192, LAB_NO_PASID, &r)) TH_LOG("%s", self->e.why);
	ASSERT_EQ(LAB_DMA_OK, r.status);
	EXPECT_EQ(0, memcmp(dst, self->f->disk, 8192));
	EXPECT_TRUE(all_bytes(dst - GUARD, GUARD, 0xa5));
	EXPECT_TRUE(all_bytes(dst + 8192, GUARD, 0xa5));
	memcpy(src, dst, 8192);
	ASSERT_EQ(0, lab_uengine_compare(&self->e, SRC_IOVA, 8192, LAB_NO_PASID, &r));
	EXPECT_EQ(LAB_DMA_OK, r.status);
	src[5000] ^= 1;
	ASSERT_EQ(0, lab_uengine_compare(&self->e, SRC_IOVA, 8192, LAB_NO_PASID, &r));
	EXPECT_EQ(LAB_DMA_MISMATCH, r.status);
	ASSERT_EQ(0, lab_uengine_compare(&self->e, BAD_IOVA, 4096, LAB_NO_PASID, &r));
	EXPECT_EQ(LAB_DMA_FAULT, r.status);
	EXPECT_FALSE(r.fault_write);
	EXPECT_EQ(0u, self->f->io_cmds[NVME_CMD_WRITE]);
}

TEST_F(eng, without_a_namespace_a_read_is_identify_data)
{
	uint8_t *dst = self->f->mem + DST_IOVA;
	struct lab_dma_result r;
	uint32_t g;

	self->f->nn = 0;
	fake_nvme_power_on(self->f, false);
	ASSERT_EQ(0, lab_uengine_granule(&self->e, &g)) TH_LOG("%s", self->e.why);
	EXPECT_EQ(4096u, g);
	ASSERT_EQ(0, lab_uengine_read(&self->e, DST_IOVA, 4096, LAB_NO_PASID, &r));
	ASSERT_EQ(LAB_DMA_OK, r.status);
	EXPECT_FALSE(all_bytes(dst, 4096, 0)) TH_LOG("no Identify data landed");
	EXPECT_EQ(-EINVAL, lab_uengine_read(&self->e, DST_IOVA, 512, LAB_NO_PASID, &r));
	EXPECT_EQ(-EOPNOTSUPP, lab_uengine_compare(&self->e, SRC_IOVA, 512, LAB_NO_PASID, &r));
	if (variant->scratch) {
		EXPECT_EQ(-ENODEV, lab_uengine_copy(&self->e, SRC_IOVA, DST_IOVA, 512, LAB_NO_PASID, &r));
		EXPECT_NE(NULL, strstr(self->e.why, "no active namespace")) TH_LOG("%s", self->e.why);
	}
}

TEST_F(eng, bad_lengths_and_pasids_are_refused_before_any_command)
{
	struct lab_dma_result r;
	uint32_t before;

	ASSERT_EQ(1, lab_uengine_prepare(&self->e)) TH_LOG("%s", self->e.why);
	before = self->f->io_cmds[NVME_CMD_READ] + self->f->io_cmds[NVME_CMD_WRITE];
	EXPECT_EQ(-EINVAL, lab_uengine_read(&self->e, DST_IOVA, 0, LAB_NO_PASID, &r));
	EXPECT_EQ(-EINVAL, lab_uengine_read(&self->e, DST_IOVA, 100, LAB_NO_PASID, &r));
	EXPECT_EQ(-EINVAL, lab_uengine_read(&self->e, DST_IOVA, (4u << 20), LAB_NO_PASID, &r));
	EXPECT_EQ(-EINVAL, lab_uengine_read(&self->e, DST_IOVA + 2, 512, LAB_NO_PASID, &r));
	EXPECT_EQ(-EOPNOTSUPP, lab_uengine_read(&self->e, DST_IOVA, 512, 1, &r));
	EXPECT_EQ(-EOPNOTSUPP, lab_uengine_copy(&self->e, SRC_IOVA, DST_IOVA, 512, 1, &r));
	if (variant->scratch) {
		struct lab_uengine_limits l;

		ASSERT_EQ(0, lab_uengine_limits(&self->e, &l));
		EXPECT_EQ(LBA, l.granule);
		EXPECT_EQ(SCRATCH_N * LBA, l.max_write);
		EXPECT_EQ(-EINVAL, lab_uengine_copy(&self->e, SRC_IOVA, DST_IOVA, 1000, LAB_NO_PASID, &r));
	}
	EXPECT_EQ(before, self->f->io_cmds[NVME_CMD_READ] + self->f->io_cmds[NVME_CMD_WRITE]);
}

TEST_F(eng, a_timeout_stops_the_controller_and_the_next_transfer_sets_it_up)
{
	struct lab_dma_result r;
	uint32_t resets;

	ASSERT_EQ(1, lab_uengine_prepare(&self->e)) TH_LOG("%s", self->e.why);
	resets = self->f->resets;
	self->f->drop_io = true;
	ASSERT_EQ(0, lab_uengine_read(&self->e, DST_IOVA, 512, LAB_NO_PASID, &r));
	EXPECT_EQ(LAB_DMA_ERROR, r.status);
	EXPECT_TRUE(r.reset);
	EXPECT_FALSE(self->f->cc & NVME_BAR_CC_EN) TH_LOG("the controller was left enabled");
	EXPECT_NE(NULL, strstr(self->e.why, "set up again")) TH_LOG("%s", self->e.why);
	self->f->drop_io = false;
	ASSERT_EQ(0, lab_uengine_read(&self->e, DST_IOVA, 512, LAB_NO_PASID, &r)) TH_LOG("%s", self->e.why);
	EXPECT_EQ(LAB_DMA_OK, r.status);
	EXPECT_FALSE(r.reset);
	EXPECT_LT(resets, self->f->resets);
}

/* The function's MSI-X off (as before a test enables its interrupts): the
 * controller gets vector 0 only, and every vector once MSI-X is on. */
TEST_F(eng, vectors_above_0_wait_for_msix_to_be_on)
{
	uint32_t before;

	self->pci.msix_on = 0;
	self->f->msix_off = true;
	ASSERT_EQ(1, lab_uengine_prepare(&self->e)) TH_LOG("%s", self->e.why);
	ASSERT_EQ(0, self->e.ops->send_msi(&self->e, 0)) TH_LOG("%s", self->e.why);
	EXPECT_EQ(-EINVAL, self->e.ops->send_msi(&self->e, 1));
	self->pci.msix_on = 8;
	self->f->msix_off = false;
	before = self->f->irqs[1];
	ASSERT_EQ(0, self->e.ops->send_msi(&self->e, 1)) TH_LOG("%s", self->e.why);
	EXPECT_EQ(before + 1, self->f->irqs[1]);
}

TEST_F(eng, each_vector_is_raised_on_its_own)
{
	uint32_t before[FAKE_VECTORS];

	ASSERT_EQ(1, lab_uengine_prepare(&self->e)) TH_LOG("%s", self->e.why);
	for (uint32_t v = 0; v < self->e.ops->msix_vectors; v++) {
		memcpy(before, self->f->irqs, sizeof(before));
		ASSERT_EQ(0, self->e.ops->send_msi(&self->e, v)) TH_LOG("vector %u: %s", v, self->e.why);
		for (uint32_t i = 0; i < FAKE_VECTORS; i++) {
			EXPECT_EQ(before[i] + (i == v), self->f->irqs[i]) TH_LOG("raised %u, counted on %u", v, i);
		}
	}
	EXPECT_EQ(-EINVAL, self->e.ops->send_msi(&self->e, self->e.ops->msix_vectors + 4));
}

TEST_F(eng, moving_the_control_memory_sets_the_controller_up_there)
{
	struct lab_dma_result r;
	uint64_t iova;

	ASSERT_EQ(1, lab_uengine_prepare(&self->e));
	EXPECT_EQ(0, lab_uengine_prepare(&self->e));	/* up already */
	/* Within the fake's memory, past the buffers. */
	self->e.ctrl = self->f->mem + 0x600000;
	ASSERT_EQ(0, lab_uengine_ctrl_move(&self->e, 0x600000));
	ASSERT_TRUE(lab_uengine_ctrl(&self->e, NULL, &iova, NULL));
	EXPECT_EQ(0x600000ull, iova);
	EXPECT_FALSE(self->f->cc & NVME_BAR_CC_EN);
	ASSERT_EQ(0, lab_uengine_read(&self->e, DST_IOVA, 512, LAB_NO_PASID, &r)) TH_LOG("%s", self->e.why);
	EXPECT_EQ(LAB_DMA_OK, r.status);
	EXPECT_EQ(0x600000ull, self->f->asq & ~0xfffull);
	EXPECT_EQ(-EINVAL, lab_uengine_ctrl_move(&self->e, 0x600001));
}

TEST(a_bad_scratch_spec_fails_the_open_with_what_is_wrong)
{
	uint8_t bar0[NVME_BAR_MIN_SIZE] = { 0 };
	struct lab_vfio_pci pci = { .fd = -1, .bdf = "0000:00:07.0", .class_code = 0x010802, .bar0 = bar0,
				    .bar0_size = sizeof(bar0) };
	struct lab_uengine e;

	setenv(LAB_NVME_SCRATCH_ENV, "1:100", 1);
	EXPECT_EQ(-EINVAL, lab_uengine_open(&pci, &e));
	EXPECT_NE(NULL, strstr(e.why, "1:100")) TH_LOG("%s", e.why);
	EXPECT_NE(NULL, strstr(e.why, "NSID:LBA+COUNT")) TH_LOG("%s", e.why);
	EXPECT_EQ(NULL, e.ops);
	EXPECT_EQ(NULL, e.ctrl);
	unsetenv(LAB_NVME_SCRATCH_ENV);
	/* Any vendor's controller: the engine is the class code's. */
	ASSERT_EQ(0, lab_uengine_open(&pci, &e));
	EXPECT_EQ(&lab_uengine_nvme, e.ops);
	lab_uengine_close(&e);
}

TEST_HARNESS_MAIN
