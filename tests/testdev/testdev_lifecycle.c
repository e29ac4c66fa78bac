// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unbinding the function, or unloading the module, while a test has a domain
 * attached and mapped: the open file fails cleanly (ENODEV), and once the
 * module has the function again it is back on the kernel's default domain with
 * working DMA. Runs after the other testdev programs. docs/tests/testdev.md.
 */
#include <fcntl.h>
#include <sys/syscall.h>
#include "kselftest_harness.h"
#include "testdev_common.h"
#include "testdev_bind.h"

FIXTURE(life) {
	struct td_fixture f;
	uint32_t dom, buf;
};
TD_DEVICE_VARIANTS(life);

FIXTURE_SETUP(life)
{
	TD_SETUP(&self->f, variant->engine);
	/* A test domain with a mapping, attached at the RID. */
	test_cmd_buf_alloc(SZ_4K, 0, 0, &self->buf);
	test_cmd_domain_alloc(0, &self->dom);
	test_cmd_map(self->dom, IOVA_DST, self->buf, 0, SZ_4K, RW);
	test_cmd_attach(self->dom);
}

FIXTURE_TEARDOWN(life)
{
	const char *list = getenv("IOMMU_LAB_TESTDEV");
	char bdf[32];

	TD_TEARDOWN(&self->f);
	/* Leave every function handed to the run bound to the module (unloading
	 * it let go of all of them) for whatever runs next. */
	for (const char *p = list; lab_bdf_next(&p, bdf);)
		td_rebind(bdf);
}

/* An engine that cannot copy (nvme without a scratch range) writes its
 * reference data into two DMA-API buffers poisoned with complementary
 * bytes: they can read the same only where the device wrote both. */
static void expect_reads_land(struct __test_metadata *_metadata, FIXTURE_DATA(life) *self)
{
	uint64_t a_dma, b_dma;
	uint32_t a, b;

	test_cmd_buf_dma_api(SZ_4K, &a, &a_dma);
	test_cmd_buf_dma_api(SZ_4K, &b, &b_dma);
	test_cmd_reads_land(a, a_dma, b, b_dma);
}

/* After the function is back with the module, it starts on the default domain
 * and the default domain translates DMA. */
static void expect_default_domain_works(struct __test_metadata *_metadata, FIXTURE_DATA(life) *self)
{
	uint32_t a, b;
	uint64_t a_dma, b_dma;

	close(self->f.fd);
	self->f.fd = lab_td_open(self->f.bdf);
	ASSERT_LE(0, self->f.fd) TH_LOG("reopen %s: %s", self->f.bdf, strerror(-self->f.fd));
	test_cmd_info(&self->f.info);
	EXPECT_EQ(ITD_STATE_DEFAULT, self->f.info.state);
	TH_LOG("back on the default domain (%s)", self->f.info.iommu_domain_type);
	if (!(td_caps(&self->f) & ITD_ENGINE_CAP_COPY)) {
		expect_reads_land(_metadata, self);
		return;
	}
	test_cmd_buf_dma_api(SZ_4K, &a, &a_dma);
	test_cmd_buf_dma_api(SZ_4K, &b, &b_dma);
	test_cmd_copy_lands(120, a, a_dma, b, b_dma);
}

/* The module's parameters to load it with again: nvme_scratch, which the run
 * set (a copying nvme engine needs it at probe), as "nvme_scratch=..." or "". */
static void module_params(char *buf, size_t len)
{
	char val[256] = "";

	buf[0] = 0;
	if (lab_read_str(val, sizeof(val), "/sys/module/iommu_testdev/parameters/nvme_scratch") || !val[0])
		return;
	snprintf(buf, len, "nvme_scratch=%s", val);
}

TEST_F(life, unbind_with_domain_attached_restores_default)
{
	struct itd_info info;

	ASSERT_EQ(0, td_write_file("/sys/bus/pci/drivers/iommu_testdev/unbind", self->f.bdf));
	EXPECT_FALSE(td_bound(self->f.bdf));
	EXPECT_EQ(-ENODEV, lab_td_info(self->f.fd, &info)) TH_LOG("the open file must fail after unbind");
	ASSERT_EQ(0, td_rebind(self->f.bdf));
	expect_default_domain_works(_metadata, self);
}

TEST_F(life, unload_with_domain_attached_restores_default)
{
	const char *path = getenv("IOMMU_LAB_MODULE");
	char params[300];
	int mfd;

	if (!path)
		SKIP(return, "IOMMU_LAB_MODULE unset (run through `iommu-lab run --testdev`)");
	/* The open file pins the module. */
	EXPECT_EQ(-1, syscall(SYS_delete_module, "iommu_testdev", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(self->f.fd);
	self->f.fd = -1;
	module_params(params, sizeof(params));
	ASSERT_EQ(0, syscall(SYS_delete_module, "iommu_testdev", O_NONBLOCK)) TH_LOG("rmmod: %s", strerror(errno));
	EXPECT_FALSE(td_bound(self->f.bdf));
	mfd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, mfd) TH_LOG("%s: %s", path, strerror(errno));
	/* A DKMS build may be compressed (.ko.xz): the kernel decompresses it. */
	ASSERT_EQ(0, syscall(SYS_finit_module, mfd, params, strstr(path, ".ko.") ? 4 /* MODULE_INIT_COMPRESSED_FILE */ : 0))
		TH_LOG("insmod %s %s: %s", path, params, strerror(errno));
	close(mfd);
	ASSERT_EQ(0, td_rebind(self->f.bdf));
	self->f.fd = lab_td_open(self->f.bdf);
	ASSERT_LE(0, self->f.fd);
	expect_default_domain_works(_metadata, self);
}

TEST_HARNESS_MAIN
