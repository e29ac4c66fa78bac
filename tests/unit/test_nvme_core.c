// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the NVMe core (lib/drivers/nvme/nvme_core.c) against the fake
 * controller of nvme_fake.c: initialisation, the transfer paths (PRP1, PRP2,
 * PRP lists, commands split by MDTS), results of failed and refused commands,
 * queue wrap, MSI-X vectors, timeouts and argument checks.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "drivers/nvme/nvme_core.h"
#include "drivers/nvme/nvme_hw.h"
#include "nvme_fake.h"

/* The fake's memory: IOVA = offset; anything at or above MEM_SIZE faults. */
#define MEM_SIZE	(8u << 20)
#define CTRL_IOVA	0x10000ull
#define SRC_IOVA	0x100000ull
#define DST_IOVA	0x400000ull
#define BAD_IOVA	0x40000000ull
#define GUARD		256u		/* poisoned bytes checked around a destination */
#define POISON		0xa5
#define WAIT_MS		1000u

FIXTURE(nvme) {
	struct fake_nvme *f;
	struct nvme_core_env env;
	struct nvme_core c;
};

FIXTURE_SETUP(nvme)
{
	self->f = fake_nvme_new(MEM_SIZE);
	ASSERT_NE(NULL, self->f);
	self->env = fake_nvme_env;
	self->env.ctx = self->f;
}

/* Whatever the test did, the core broke no rule of the fake's; the fake freed. */
static void expect_no_broken_rule(struct __test_metadata *_metadata, struct fake_nvme *f)
{
	if (f->errors)
		TH_LOG("the fake saw %u broken rules, the last: %s", f->errors, f->last_error);
	EXPECT_EQ(0, f->errors);
	fake_nvme_free(f);
}

FIXTURE_TEARDOWN(nvme)
{
	expect_no_broken_rule(_metadata, self->f);
}

static int core_init(FIXTURE_DATA(nvme) *self, uint32_t vectors)
{
	return nvme_core_init(&self->c, &self->env, self->f->mem + CTRL_IOVA, CTRL_IOVA, vectors);
}

/* One transfer, started and waited for: 0 and its result, or the error. */
static int _test_xfer(struct nvme_core *c, uint8_t op, uint64_t slba, uint64_t iova, uint32_t len,
		      enum nvme_core_result *res)
{
	int ret = nvme_core_io(c, op, slba, iova, len);

	return ret ? ret : nvme_core_wait(c, WAIT_MS, res);
}

#define test_xfer(op, slba, iova, len, want)						\
	({										\
		enum nvme_core_result _res = NVME_CORE_ERROR;				\
		ASSERT_EQ(0, _test_xfer(&self->c, op, slba, iova, len, &_res));	\
		ASSERT_EQ(want, _res);							\
	})
#define test_err_xfer(err, op, slba, iova, len)						\
	ASSERT_EQ(-(err), _test_xfer(&self->c, op, slba, iova, len, NULL))

static void fill(uint8_t *p, uint32_t len, uint32_t seed)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7u + seed + (i >> 9));
}

/* Whether n bytes at p all are b. */
static bool all(const uint8_t *p, uint32_t n, uint8_t b)
{
	while (n--)
		if (*p++ != b)
			return false;
	return true;
}

TEST_F(nvme, init_reads_the_controller_and_namespace_identity)
{
	ASSERT_EQ(0, core_init(self, 4));
	EXPECT_TRUE(self->c.ready);
	EXPECT_STREQ("iommu-lab fake nvme", self->c.model);
	EXPECT_STREQ("FAKE-SN-0001", self->c.serial);
	EXPECT_STREQ("1.0", self->c.firmware);
	EXPECT_EQ(0x00020000u, self->c.vs);
	EXPECT_EQ(1u, self->c.nsid);
	EXPECT_EQ(512u, self->c.lba_size);
	EXPECT_EQ(16384u, self->c.nsze);
	EXPECT_EQ(128u << 10, self->c.max_xfer);	/* MDTS 5 */
	EXPECT_EQ(4u, self->c.doorbell_stride);
	EXPECT_EQ(1000u, self->c.timeout_ms);		/* CAP.TO 2 */
	EXPECT_EQ(64u, self->c.qdepth);
	EXPECT_TRUE(self->c.compare);
	EXPECT_EQ(4u, self->c.nr_vectors);
	EXPECT_EQ(0, self->c.last_status);
	/* One reset, one enable; the data pair and one pair per vector above 0. */
	EXPECT_EQ(1u, self->f->enables);
	EXPECT_EQ(4u, self->f->admin_cmds[NVME_ADMIN_CREATE_CQ]);
	EXPECT_EQ(4u, self->f->admin_cmds[NVME_ADMIN_CREATE_SQ]);
	EXPECT_FALSE(self->f->cq[1].ien);
	EXPECT_TRUE(self->f->cq[2].ien);
	EXPECT_EQ(1, self->f->cq[2].iv);
	EXPECT_EQ(3, self->f->cq[4].iv);
	/* Nothing but Identify, queues and features went to the controller. */
	EXPECT_EQ(0u, self->f->io_cmds[NVME_CMD_WRITE]);
}

TEST_F(nvme, init_again_resets_and_recovers_a_working_controller)
{
	ASSERT_EQ(0, core_init(self, 4));
	test_xfer(NVME_CMD_READ, 0, DST_IOVA, 4096, NVME_CORE_OK);
	ASSERT_EQ(0, core_init(self, 4));
	EXPECT_EQ(2u, self->f->enables);
	EXPECT_LE(1u, self->f->resets - 1u);	/* power-on plus the second init's */
	test_xfer(NVME_CMD_READ, 0, DST_IOVA, 4096, NVME_CORE_OK);
}

TEST_F(nvme, init_resets_a_controller_in_fatal_status)
{
	fake_nvme_power_on(self->f, true);
	ASSERT_EQ(NVME_BAR_CSTS_CFS, self->f->csts & NVME_BAR_CSTS_CFS);
	ASSERT_EQ(0, core_init(self, 2));
	EXPECT_EQ(0u, self->f->csts & NVME_BAR_CSTS_CFS);
	test_xfer(NVME_CMD_READ, 0, DST_IOVA, 512, NVME_CORE_OK);
}

TEST_F(nvme, init_times_out_when_ready_never_follows_enable)
{
	uint64_t t0;

	self->f->never_ready = true;
	t0 = self->f->now_ns;
	ASSERT_EQ(-ETIMEDOUT, core_init(self, 2));
	EXPECT_FALSE(self->c.ready);
	/* It waited CAP.TO (1 s), not much more, then left the controller off. */
	EXPECT_LE(1000000000ull, self->f->now_ns - t0);
	EXPECT_GE(1100000000ull, self->f->now_ns - t0);
	EXPECT_EQ(0u, self->f->cc & NVME_BAR_CC_EN);
	test_err_xfer(EIO, NVME_CMD_READ, 0, DST_IOVA, 512);
}

TEST_F(nvme, init_fails_at_once_when_enable_ends_in_fatal_status)
{
	uint64_t t0 = self->f->now_ns;

	self->f->fatal_on_enable = true;
	ASSERT_EQ(-EIO, core_init(self, 2));
	EXPECT_GT(500000000ull, self->f->now_ns - t0);	/* not a CAP.TO wait */
	EXPECT_EQ(0u, self->f->cc & NVME_BAR_CC_EN);
	EXPECT_FALSE(self->c.ready);
}

TEST_F(nvme, init_refuses_a_function_that_is_not_an_nvm_controller)
{
	self->f->gone = true;		/* all ones: not there, or not NVMe */
	EXPECT_EQ(-ENODEV, core_init(self, 2));
	self->f->gone = false;
	self->f->css = NVME_BAR_CAP_CSS_ADMIN_ONLY;
	EXPECT_EQ(-ENODEV, core_init(self, 2));
	self->f->css = NVME_BAR_CAP_CSS_NVM;
	self->f->mpsmin = 1;		/* no 4 KiB pages */
	EXPECT_EQ(-ENODEV, core_init(self, 2));
	EXPECT_EQ(0u, self->f->enables);
}

TEST_F(nvme, init_refuses_bad_arguments)
{
	struct nvme_core_env env = self->env;

	EXPECT_EQ(-EINVAL, nvme_core_init(&self->c, &self->env, self->f->mem + CTRL_IOVA,
					  CTRL_IOVA + 8, 2));
	EXPECT_EQ(-EINVAL, nvme_core_init(&self->c, &self->env, NULL, CTRL_IOVA, 2));
	EXPECT_EQ(-EINVAL, nvme_core_init(NULL, &self->env, self->f->mem + CTRL_IOVA, CTRL_IOVA, 2));
	env.barrier = NULL;
	EXPECT_EQ(-EINVAL, nvme_core_init(&self->c, &env, self->f->mem + CTRL_IOVA, CTRL_IOVA, 2));
	EXPECT_EQ(0u, self->f->enables);
}

TEST_F(nvme, init_without_the_namespace_list_tries_namespace_1)
{
	self->f->no_nsid_list = true;
	ASSERT_EQ(0, core_init(self, 2));
	EXPECT_EQ(1u, self->c.nsid);
	EXPECT_EQ(0, self->c.last_status);
}

TEST_F(nvme, a_namespace_with_metadata_is_not_used)
{
	self->f->meta_size = 8;
	ASSERT_EQ(0, core_init(self, 2));
	EXPECT_EQ(0u, self->c.nsid);
	test_err_xfer(ENODEV, NVME_CMD_READ, 0, DST_IOVA, 512);
}

TEST_F(nvme, vectors_are_capped_by_the_queues_granted_and_the_core)
{
	self->f->max_pairs = 3;
	ASSERT_EQ(0, core_init(self, 8));
	EXPECT_EQ(3u, self->c.nr_vectors);
	self->f->max_pairs = 64;
	self->f->msix = 16;
	ASSERT_EQ(0, core_init(self, 20));
	EXPECT_EQ(NVME_CORE_MAX_VECTORS, self->c.nr_vectors);
	ASSERT_EQ(0, core_init(self, 0));
	EXPECT_EQ(0u, self->c.nr_vectors);
	EXPECT_EQ(-EINVAL, nvme_core_raise(&self->c, 0));
	test_xfer(NVME_CMD_READ, 0, DST_IOVA, 512, NVME_CORE_OK);
}

TEST_F(nvme, raise_sends_exactly_one_message_on_the_vector_asked)
{
	uint32_t before[FAKE_VECTORS], v, w;

	ASSERT_EQ(0, core_init(self, 6));
	for (v = 0; v < 6; v++) {
		memcpy(before, self->f->irqs, sizeof(before));
		ASSERT_EQ(0, nvme_core_raise(&self->c, v));
		for (w = 0; w < FAKE_VECTORS; w++)
			EXPECT_EQ(before[w] + (w == v), self->f->irqs[w]);
	}
	EXPECT_EQ(5u, self->f->io_cmds[NVME_CMD_READ]);		/* one LBA each */
	EXPECT_EQ(1u, self->f->admin_cmds[NVME_ADMIN_GET_FEATURES]);
	EXPECT_EQ(-EINVAL, nvme_core_raise(&self->c, 6));
}

TEST_F(nvme, raise_without_a_namespace_uses_a_flush)
{
	uint32_t before;

	self->f->nn = 0;
	ASSERT_EQ(0, core_init(self, 4));
	before = self->f->irqs[3];
	ASSERT_EQ(0, nvme_core_raise(&self->c, 3));
	EXPECT_EQ(before + 1, self->f->irqs[3]);
	EXPECT_EQ(1u, self->f->io_cmds[NVME_CMD_FLUSH]);
	EXPECT_EQ(0u, self->f->io_cmds[NVME_CMD_READ]);
}

TEST_F(nvme, data_transfers_never_interrupt)
{
	uint32_t before[FAKE_VECTORS];

	ASSERT_EQ(0, core_init(self, 4));
	memcpy(before, self->f->irqs, sizeof(before));
	test_xfer(NVME_CMD_READ, 0, DST_IOVA, 1u << 20, NVME_CORE_OK);
	EXPECT_EQ(0, memcmp(before, self->f->irqs, sizeof(before)));
}

TEST_F(nvme, compare_of_equal_bytes_succeeds_and_of_one_other_byte_mismatches)
{
	uint8_t *src = self->f->mem + SRC_IOVA;

	ASSERT_EQ(0, core_init(self, 2));
	memcpy(src, self->f->disk + 8 * 512, 4096);
	test_xfer(NVME_CMD_COMPARE, 8, SRC_IOVA, 4096, NVME_CORE_OK);
	EXPECT_EQ(0, self->c.first_status);
	src[4095] ^= 1;
	test_xfer(NVME_CMD_COMPARE, 8, SRC_IOVA, 4096, NVME_CORE_MISMATCH);
	EXPECT_EQ(NVME_STS_COMPARE_FAILURE, self->c.first_status);
	EXPECT_EQ(NVME_STS_COMPARE_FAILURE, self->c.last_status);
	EXPECT_EQ(0u, self->f->io_cmds[NVME_CMD_WRITE]);
}

TEST_F(nvme, compare_on_a_controller_without_it_is_not_supported)
{
	self->f->oncs = 0;
	ASSERT_EQ(0, core_init(self, 2));
	EXPECT_FALSE(self->c.compare);
	test_err_xfer(EOPNOTSUPP, NVME_CMD_COMPARE, 0, SRC_IOVA, 512);
	EXPECT_EQ(0u, self->f->io_cmds[NVME_CMD_COMPARE]);
}

TEST_F(nvme, a_dma_outside_memory_is_a_fault_with_data_transfer_error)
{
	ASSERT_EQ(0, core_init(self, 2));
	test_xfer(NVME_CMD_READ, 0, BAD_IOVA, 8192, NVME_CORE_FAULT);
	EXPECT_EQ(NVME_STS_DATA_XFER_ERROR, self->c.first_status);
	EXPECT_STREQ("Data Transfer Error", nvme_core_status_name(self->c.first_status));
	test_xfer(NVME_CMD_COMPARE, 0, BAD_IOVA, 512, NVME_CORE_FAULT);
	/* ... and a buffer that starts inside and runs out of memory. */
	test_xfer(NVME_CMD_READ, 0, MEM_SIZE - 4096, 8192, NVME_CORE_FAULT);
	/* The controller goes on. */
	test_xfer(NVME_CMD_READ, 0, DST_IOVA, 8192, NVME_CORE_OK);
	EXPECT_EQ(0, self->c.first_status);
}

TEST_F(nvme, a_failed_command_stops_the_rest_of_the_transfer)
{
	self->f->mdts = 1;	/* 8 KiB commands */
	ASSERT_EQ(0, core_init(self, 2));
	test_xfer(NVME_CMD_READ, 0, BAD_IOVA, 1u << 20, NVME_CORE_FAULT);
	/* The first batch went out before the first completion was seen; not all 128. */
	EXPECT_GE(64u, self->f->io_cmds[NVME_CMD_READ]);
	test_xfer(NVME_CMD_READ, 0, DST_IOVA, 1u << 20, NVME_CORE_OK);
}

TEST_F(nvme, a_transfer_reports_its_first_failure)
{
	self->f->mdts = 1;		/* 8 KiB: 16 LBAs a command */
	self->f->media_error = true;
	self->f->media_error_lba = 20;	/* in the second command */
	ASSERT_EQ(0, core_init(self, 2));
	/* The third and fourth commands run out of memory. */
	test_xfer(NVME_CMD_READ, 0, MEM_SIZE - (20u << 10), 32u << 10, NVME_CORE_ERROR);
	EXPECT_EQ(NVME_STS_UNRECOVERED_READ, self->c.first_status);
	EXPECT_EQ(NVME_STS_DATA_XFER_ERROR, self->c.last_status);
	EXPECT_EQ(4u, self->f->io_cmds[NVME_CMD_READ]);
}

TEST_F(nvme, a_refused_write_leaves_the_media_alone)
{
	uint8_t before[4096];

	self->f->write_protected = true;
	ASSERT_EQ(0, core_init(self, 2));
	memcpy(before, self->f->disk, sizeof(before));
	fill(self->f->mem + SRC_IOVA, 4096, 3);
	test_xfer(NVME_CMD_WRITE, 0, SRC_IOVA, 4096, NVME_CORE_REFUSED);
	EXPECT_EQ(NVME_STS_NS_WRITE_PROTECTED, self->c.first_status);
	EXPECT_EQ(0, memcmp(before, self->f->disk, sizeof(before)));
}

TEST_F(nvme, more_commands_than_a_queue_holds_wrap_the_phase_tag)
{
	uint32_t i;

	ASSERT_EQ(0, core_init(self, 2));
	for (i = 0; i < 3 * NVME_CORE_QDEPTH + 5; i++)
		test_xfer(NVME_CMD_READ, i % 64, DST_IOVA, 512, NVME_CORE_OK);
	EXPECT_EQ(3u, self->f->cq[1].wraps);
	for (i = 0; i < 2 * NVME_CORE_QDEPTH; i++)
		ASSERT_EQ(0, nvme_core_raise(&self->c, i % 2));
	EXPECT_LE(1u, self->f->cq[0].wraps);
	EXPECT_LE(1u, self->f->cq[2].wraps);
}

TEST_F(nvme, a_small_queue_carries_a_long_transfer)
{
	uint8_t *src = self->f->mem + SRC_IOVA, *dst = self->f->mem + DST_IOVA;

	self->f->mqes = 7;	/* 8 entries */
	self->f->mdts = 1;	/* 8 KiB: 256 commands for 2 MiB */
	ASSERT_EQ(0, core_init(self, 2));
	EXPECT_EQ(8u, self->c.qdepth);
	fill(src, 2u << 20, 11);
	test_xfer(NVME_CMD_WRITE, 16, SRC_IOVA, 2u << 20, NVME_CORE_OK);
	test_xfer(NVME_CMD_READ, 16, DST_IOVA, 2u << 20, NVME_CORE_OK);
	EXPECT_EQ(0, memcmp(src, dst, 2u << 20));
	EXPECT_EQ(256u, self->f->io_cmds[NVME_CMD_WRITE]);
	EXPECT_LE(60u, self->f->cq[1].wraps);
}

TEST_F(nvme, a_command_that_never_completes_times_out_and_init_recovers)
{
	uint64_t t0;

	ASSERT_EQ(0, core_init(self, 2));
	self->f->drop_io = true;
	ASSERT_EQ(0, nvme_core_io(&self->c, NVME_CMD_READ, 0, DST_IOVA, 512));
	t0 = self->f->now_ns;
	EXPECT_EQ(-ETIMEDOUT, nvme_core_wait(&self->c, 50, NULL));
	EXPECT_LE(50000000ull, self->f->now_ns - t0);
	EXPECT_FALSE(self->c.ready);
	test_err_xfer(EIO, NVME_CMD_READ, 0, DST_IOVA, 512);
	EXPECT_EQ(-EIO, nvme_core_raise(&self->c, 1));
	self->f->drop_io = false;
	ASSERT_EQ(0, core_init(self, 2));
	test_xfer(NVME_CMD_READ, 0, DST_IOVA, 512, NVME_CORE_OK);
}

TEST_F(nvme, a_raise_that_never_completes_times_out)
{
	ASSERT_EQ(0, core_init(self, 2));
	self->f->drop_io = true;
	EXPECT_EQ(-ETIMEDOUT, nvme_core_raise(&self->c, 1));
	EXPECT_FALSE(self->c.ready);
	EXPECT_EQ(-EIO, nvme_core_raise(&self->c, 1));
}

TEST_F(nvme, a_controller_that_fails_while_waited_for_is_an_error)
{
	ASSERT_EQ(0, core_init(self, 2));
	self->f->drop_io = true;
	ASSERT_EQ(0, nvme_core_io(&self->c, NVME_CMD_READ, 0, DST_IOVA, 512));
	self->f->csts |= NVME_BAR_CSTS_CFS;
	EXPECT_EQ(-EIO, nvme_core_wait(&self->c, 50, NULL));
	EXPECT_FALSE(self->c.ready);
}

TEST_F(nvme, io_refuses_bad_arguments_before_any_command)
{
	uint32_t sent;

	test_err_xfer(EIO, NVME_CMD_READ, 0, DST_IOVA, 512);	/* before init */
	ASSERT_EQ(0, core_init(self, 2));
	sent = self->f->io_cmds[NVME_CMD_READ];
	test_err_xfer(EINVAL, NVME_CMD_READ, 0, DST_IOVA, 0);
	test_err_xfer(EINVAL, NVME_CMD_READ, 0, DST_IOVA, 100);
	test_err_xfer(EINVAL, NVME_CMD_READ, 0, DST_IOVA, NVME_CORE_MAX_LEN + 512);
	test_err_xfer(EINVAL, NVME_CMD_READ, 0, DST_IOVA + 2, 512);
	test_err_xfer(EINVAL, NVME_CMD_FLUSH, 0, DST_IOVA, 512);
	test_err_xfer(EINVAL, 0x7f, 0, DST_IOVA, 512);
	test_err_xfer(EINVAL, NVME_CMD_READ, 0, ~0ull - 511, 1024);
	test_err_xfer(ERANGE, NVME_CMD_READ, 16384, DST_IOVA, 512);
	test_err_xfer(ERANGE, NVME_CMD_READ, 16383, DST_IOVA, 1024);
	test_err_xfer(ERANGE, NVME_CMD_WRITE, ~0ull, SRC_IOVA, 512);
	EXPECT_EQ(-EINVAL, nvme_core_identify_to(&self->c, DST_IOVA + 1));
	EXPECT_EQ(sent, self->f->io_cmds[NVME_CMD_READ]);
	EXPECT_EQ(0u, self->f->io_cmds[NVME_CMD_WRITE]);

	/* One transfer at a time. */
	ASSERT_EQ(0, nvme_core_io(&self->c, NVME_CMD_READ, 0, DST_IOVA, 512));
	EXPECT_EQ(-EBUSY, nvme_core_io(&self->c, NVME_CMD_READ, 0, DST_IOVA, 512));
	EXPECT_EQ(-EBUSY, nvme_core_identify_to(&self->c, DST_IOVA));
	ASSERT_EQ(0, nvme_core_wait(&self->c, WAIT_MS, NULL));
	ASSERT_EQ(0, nvme_core_identify_to(&self->c, DST_IOVA));
	EXPECT_EQ(-EBUSY, nvme_core_raise(&self->c, 0));
	EXPECT_EQ(-EBUSY, nvme_core_io(&self->c, NVME_CMD_READ, 0, DST_IOVA, 512));
	ASSERT_EQ(0, nvme_core_wait(&self->c, WAIT_MS, NULL));
	EXPECT_EQ(0, nvme_core_raise(&self->c, 0));
}

TEST_F(nvme, without_a_namespace_io_is_no_device_and_identify_is_the_dma)
{
	uint8_t *dst = self->f->mem + DST_IOVA + 8;	/* across two pages */
	enum nvme_core_result res = NVME_CORE_ERROR;

	self->f->nn = 0;
	ASSERT_EQ(0, core_init(self, 2));
	EXPECT_EQ(0u, self->c.nsid);
	test_err_xfer(ENODEV, NVME_CMD_READ, 0, DST_IOVA, 512);
	memset(dst - GUARD, POISON, NVME_IDDATA_SIZE + 2 * GUARD);
	ASSERT_EQ(0, nvme_core_identify_to(&self->c, DST_IOVA + 8));
	ASSERT_EQ(0, nvme_core_wait(&self->c, WAIT_MS, &res));
	EXPECT_EQ(NVME_CORE_OK, res);
	EXPECT_EQ(0, memcmp(dst + NVME_IDCTRL_MN, "iommu-lab fake nvme ", 20));
	EXPECT_TRUE(all(dst - GUARD, GUARD, POISON));
	EXPECT_TRUE(all(dst + NVME_IDDATA_SIZE, GUARD, POISON));
	/* Into a page the controller cannot reach: the fault comes back. */
	ASSERT_EQ(0, nvme_core_identify_to(&self->c, BAD_IOVA));
	ASSERT_EQ(0, nvme_core_wait(&self->c, WAIT_MS, &res));
	EXPECT_EQ(NVME_CORE_FAULT, res);
}

TEST_F(nvme, disable_stops_the_controller)
{
	ASSERT_EQ(0, core_init(self, 2));
	nvme_core_disable(&self->c);
	EXPECT_FALSE(self->c.ready);
	EXPECT_EQ(0u, self->f->cc & NVME_BAR_CC_EN);
	EXPECT_EQ(0u, self->f->csts & NVME_BAR_CSTS_RDY);
	test_err_xfer(EIO, NVME_CMD_READ, 0, DST_IOVA, 512);
}

TEST(status_results_and_names)
{
	EXPECT_EQ(NVME_CORE_OK, nvme_core_result(0));
	EXPECT_EQ(NVME_CORE_FAULT, nvme_core_result(NVME_STS_DATA_XFER_ERROR));
	EXPECT_EQ(NVME_CORE_MISMATCH, nvme_core_result(NVME_STS_COMPARE_FAILURE));
	EXPECT_EQ(NVME_CORE_REFUSED, nvme_core_result(NVME_STS_INVALID_FIELD));
	EXPECT_EQ(NVME_CORE_REFUSED, nvme_core_result(NVME_STS_LBA_OUT_OF_RANGE));
	EXPECT_EQ(NVME_CORE_REFUSED, nvme_core_result(NVME_STS_PRP_OFFSET_INVALID));
	EXPECT_EQ(NVME_CORE_REFUSED, nvme_core_result(NVME_STS_READ_ONLY_RANGE));
	EXPECT_EQ(NVME_CORE_ERROR, nvme_core_result(NVME_STS_UNRECOVERED_READ));
	EXPECT_EQ(NVME_CORE_ERROR, nvme_core_result(NVME_STS_INTERNAL_ERROR));
	EXPECT_EQ(NVME_CORE_ERROR, nvme_core_result(NVME_STS(7, 0xc0)));
	EXPECT_STREQ("LBA Out of Range", nvme_core_status_name(NVME_STS_LBA_OUT_OF_RANGE));
	EXPECT_STREQ("Compare Failure", nvme_core_status_name(NVME_STS_COMPARE_FAILURE));
	EXPECT_STREQ("Invalid Field in Command", nvme_core_status_name(NVME_STS_INVALID_FIELD));
	EXPECT_STREQ("Vendor Specific Status", nvme_core_status_name(NVME_STS(7, 0xc0)));
	/* The CQE's status half: phase tag bit 0, SC 8:1, SCT 11:9, DNR 15. */
	EXPECT_EQ(NVME_STS_COMPARE_FAILURE,
		  nvme_cqe_status((uint16_t)(NVME_STS_COMPARE_FAILURE << 1 | 1 | NVME_CQE_DNR)));
}

/* --- the transfer paths, one variant each ------------------------------------- */

FIXTURE(xfer) {
	struct fake_nvme *f;
	struct nvme_core_env env;
	struct nvme_core c;
	uint8_t *src, *dst;
};

FIXTURE_VARIANT(xfer) {
	uint8_t mdts;		/* 0: no limit */
	uint32_t lba_shift, dstrd;
	uint32_t len, src_off, dst_off;
	uint32_t cmds;		/* commands per transfer */
	bool prp2;		/* each command has PRP2 as its second page */
	uint32_t list_max;	/* PRP list entries of the longest list, 0: no list */
};

FIXTURE_VARIANT_ADD(xfer, prp1_only) {
	.mdts = 5, .lba_shift = 9, .len = 512, .cmds = 1,
};
FIXTURE_VARIANT_ADD(xfer, prp1_and_prp2) {
	.mdts = 5, .lba_shift = 9, .len = 8192, .cmds = 1, .prp2 = true,
};
FIXTURE_VARIANT_ADD(xfer, one_page_at_a_dword_offset_spans_two) {
	.mdts = 5, .lba_shift = 9, .len = 4096, .src_off = 4, .dst_off = 0xffc, .cmds = 1,
	.prp2 = true,
};
FIXTURE_VARIANT_ADD(xfer, prp_list) {
	.mdts = 5, .lba_shift = 9, .len = 64 << 10, .cmds = 1, .list_max = 15,
};
FIXTURE_VARIANT_ADD(xfer, prp_list_at_a_dword_offset) {
	.mdts = 5, .lba_shift = 9, .len = 64 << 10, .src_off = 0x204, .dst_off = 0x804, .cmds = 1,
	.list_max = 16,
};
FIXTURE_VARIANT_ADD(xfer, the_largest_command_fills_one_list_page) {
	.mdts = 0, .lba_shift = 9, .len = 2 << 20, .src_off = 0x10, .dst_off = 0xff0, .cmds = 1,
	.list_max = 512,
};
FIXTURE_VARIANT_ADD(xfer, a_small_mdts_splits_into_commands) {
	.mdts = 1, .lba_shift = 9, .len = 64 << 10, .src_off = 0x100, .dst_off = 0x100, .cmds = 8,
	.list_max = 2,
};
FIXTURE_VARIANT_ADD(xfer, more_commands_than_the_queue_holds) {
	.mdts = 1, .lba_shift = 9, .len = 2 << 20, .cmds = 256, .prp2 = true,
};
FIXTURE_VARIANT_ADD(xfer, lbas_of_4_kib) {
	.mdts = 5, .lba_shift = 12, .len = 16 << 10, .cmds = 1, .list_max = 3,
};
FIXTURE_VARIANT_ADD(xfer, doorbells_16_bytes_apart) {
	.mdts = 5, .lba_shift = 9, .dstrd = 2, .len = 8192, .cmds = 1, .prp2 = true,
};

FIXTURE_SETUP(xfer)
{
	self->f = fake_nvme_new(MEM_SIZE);
	ASSERT_NE(NULL, self->f);
	self->f->mdts = variant->mdts;
	self->f->lba_shift = variant->lba_shift;
	self->f->dstrd = variant->dstrd;
	fake_nvme_power_on(self->f, false);
	ASSERT_NE(NULL, self->f->disk);
	self->env = fake_nvme_env;
	self->env.ctx = self->f;
	ASSERT_EQ(0, nvme_core_init(&self->c, &self->env, self->f->mem + CTRL_IOVA, CTRL_IOVA, 2));
	ASSERT_EQ(1u << variant->lba_shift, self->c.lba_size);
	ASSERT_EQ(4u << variant->dstrd, self->c.doorbell_stride);
	self->src = self->f->mem + SRC_IOVA + variant->src_off;
	self->dst = self->f->mem + DST_IOVA + variant->dst_off;
	fill(self->src, variant->len, 1);
	memset(self->dst - GUARD, POISON, variant->len + 2 * GUARD);
}

FIXTURE_TEARDOWN(xfer)
{
	expect_no_broken_rule(_metadata, self->f);
}

TEST_F(xfer, write_then_read_moves_exactly_the_bytes)
{
	uint32_t lba = self->c.lba_size, n = variant->len / lba, per_cmd;
	const uint64_t slba = 3;

	test_xfer(NVME_CMD_WRITE, slba, SRC_IOVA + variant->src_off, variant->len, NVME_CORE_OK);
	EXPECT_EQ(0, memcmp(self->src, self->f->disk + slba * lba, variant->len));
	/* The LBAs around the range are as they were. */
	EXPECT_TRUE(all(self->f->disk + (slba - 1) * lba, lba, 0x5a));
	EXPECT_TRUE(all(self->f->disk + (slba + n) * lba, lba, 0x5a));

	test_xfer(NVME_CMD_READ, slba, DST_IOVA + variant->dst_off, variant->len, NVME_CORE_OK);
	EXPECT_EQ(0, memcmp(self->src, self->dst, variant->len));
	EXPECT_TRUE(all(self->dst - GUARD, GUARD, POISON));
	EXPECT_TRUE(all(self->dst + variant->len, GUARD, POISON));

	/* The path the variant is about was the one taken. */
	per_cmd = variant->len / variant->cmds;
	EXPECT_EQ(variant->cmds, self->f->io_cmds[NVME_CMD_WRITE]);
	EXPECT_EQ(variant->cmds, self->f->io_cmds[NVME_CMD_READ]);
	EXPECT_EQ(per_cmd, self->f->max_cmd_bytes);
	EXPECT_EQ(variant->prp2 ? 2 * variant->cmds : 0, self->f->prp2_pages);
	EXPECT_EQ(variant->list_max ? 2 * variant->cmds : 0, self->f->prp_lists);
	EXPECT_EQ(variant->list_max, self->f->prp_list_max);
	EXPECT_EQ(0u, self->f->prp_chains);
}

TEST_F(xfer, compare_finds_the_one_byte_that_differs)
{
	uint64_t src_iova = SRC_IOVA + variant->src_off;

	test_xfer(NVME_CMD_WRITE, 0, src_iova, variant->len, NVME_CORE_OK);
	test_xfer(NVME_CMD_COMPARE, 0, src_iova, variant->len, NVME_CORE_OK);
	self->src[variant->len - 1] ^= 0x80;
	test_xfer(NVME_CMD_COMPARE, 0, src_iova, variant->len, NVME_CORE_MISMATCH);
	EXPECT_EQ(NVME_STS_COMPARE_FAILURE, self->c.first_status);
	self->src[variant->len - 1] ^= 0x80;
	test_xfer(NVME_CMD_COMPARE, 0, src_iova, variant->len, NVME_CORE_OK);
}

TEST_HARNESS_MAIN
