// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA API's promise on unmap. In a strict (`DMA`) default domain,
 * dma_unmap_page() returns only after the IOTLB was invalidated, so a device
 * transfer to that IOVA afterwards must fault; in a lazy (`DMA-FQ`) one the
 * invalidation waits for the flush queue, and until it drains the old
 * translation may still be used: a valid mode, whose result the test reports
 * (a landing or a fault) and passes. Each test switches the function's IOMMU
 * group to the mode of its variant (unbind, write the group's type, bind
 * again, as `iommu-lab perf` does) and back afterwards, so both modes run on
 * every guest, whatever the kernel's default.
 *
 * The IOVA comes from a module DMA API buffer unmapped with ITD_BUF_DMA_UNMAP:
 * the buffer's pages stay the module's, so a transfer that still reaches the
 * old IOVA lands there and nowhere else. The translation is used once before
 * the unmap, so an IOTLB that caches it holds it when the unmap returns.
 *
 * Engine: labdev, which reports a refused transfer itself (ITD_DMA_FAULT), so
 * no test waits for the kernel log. No edu variant: edu cannot see its faults,
 * and reading each from the rate-limited kernel log costs seconds. No nvme
 * variant: QEMU's nvme model completes a refused write (posted) unnoticed,
 * so only the log could tell, and its Compare of an unmapped IOVA completed
 * in strict mode where labdev faulted (x86_64, 7.3: docs/tests/dma_api.md).
 * The helpers below still take an engine that only writes or reads its own
 * data (nvme without a scratch range), for a lab NVMe that reports refusals.
 * docs/tests/dma_api.md.
 */
#include <dirent.h>
#include <fcntl.h>
#include "kselftest_harness.h"
#include "testdev_common.h"
#include "testdev_bind.h"

/* BDF's IOMMU group number, or -errno. */
static int group_of(const char *bdf)
{
	char grp[32];
	int ret = lab_read_link_base(grp, sizeof(grp), "/sys/bus/pci/devices/%s/iommu_group", bdf);

	return ret ? ret : atoi(grp);
}

/* How many devices are in group GRP (-errno if unreadable). */
static int group_size(int grp)
{
	char path[96];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/devices", grp);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static int group_type(int grp, char *type, size_t len)
{
	return lab_read_str(type, len, "/sys/kernel/iommu_groups/%d/type", grp);
}

/*
 * Group GRP of BDF (alone in it, the fd closed) in default domain TYPE: the
 * kernel changes the type only while no driver is bound. 0, or -errno of the
 * step that failed (named in *step); BDF is bound to the module again either way.
 */
static int switch_type(const char *bdf, int grp, const char *type, const char **step)
{
	char path[96];
	int ret, r;

	*step = "unbind";
	ret = td_write_file("/sys/bus/pci/drivers/iommu_testdev/unbind", bdf);
	if (!ret) {
		*step = "write the group's type";
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/type", grp);
		ret = td_write_file(path, type);
	}
	r = td_rebind(bdf);
	if (!ret && r)
		*step = "bind again";
	return ret ? ret : r;
}

FIXTURE(dma_api) {
	struct td_fixture f;
	int grp;
	char orig[16];		/* the group's type before the test */
};

FIXTURE_VARIANT(dma_api) {
	const char *engine;
	const char *type;	/* the default domain type the test runs in */
};
FIXTURE_VARIANT_ADD(dma_api, labdev_strict) { .engine = "labdev", .type = "DMA" };
FIXTURE_VARIANT_ADD(dma_api, labdev_lazy) { .engine = "labdev", .type = "DMA-FQ" };

FIXTURE_SETUP(dma_api)
{
	const char *step;
	char now[16];
	int n, ret;

	self->orig[0] = 0;
	TD_SETUP(&self->f, variant->engine);
	self->grp = group_of(self->f.bdf);
	ASSERT_LE(0, self->grp) TH_LOG("%s has no IOMMU group: %s", self->f.bdf, strerror(-self->grp));
	ASSERT_EQ(0, group_type(self->grp, self->orig, sizeof(self->orig)));
	if (!strcmp(self->orig, variant->type))
		return;		/* already in the variant's mode */
	n = group_size(self->grp);
	if (n != 1)
		SKIP(return, "%s shares IOMMU group %d with %d other devices: its type cannot be "
		     "switched without unbinding them", self->f.bdf, self->grp, n - 1);
	close(self->f.fd);
	self->f.fd = -1;
	ret = switch_type(self->f.bdf, self->grp, variant->type, &step);
	ASSERT_EQ(0, ret) TH_LOG("group %d to %s: %s: %s", self->grp, variant->type, step, strerror(-ret));
	self->f.fd = lab_td_open(self->f.bdf);
	ASSERT_LE(0, self->f.fd) TH_LOG("reopen %s: %s", self->f.bdf, strerror(-self->f.fd));
	test_cmd_info(&self->f.info);
	ASSERT_EQ(0, group_type(self->grp, now, sizeof(now)));
	/* The kernel falls back to strict where the IOMMU cannot defer its
	 * invalidations (no IOMMU_CAP_DEFERRED_FLUSH, or a flush queue that could
	 * not be set up): there is no lazy mode to test. */
	if (strcmp(now, variant->type))
		SKIP(return, "group %d was given type %s but reports %s: the kernel has no %s "
		     "mode for %s", self->grp, variant->type, now, variant->type, self->f.bdf);
}

FIXTURE_TEARDOWN(dma_api)
{
	const char *step;
	char now[16];
	int ret;

	TD_TEARDOWN(&self->f);
	if (!self->orig[0] || group_type(self->grp, now, sizeof(now)) || !strcmp(now, self->orig))
		return;
	ret = switch_type(self->f.bdf, self->grp, self->orig, &step);
	EXPECT_EQ(0, ret) TH_LOG("restoring group %d to %s: %s: %s", self->grp, self->orig, step,
				 strerror(-ret));
}

/* ITD_BUF_DMA_UNMAP */
static int td_dma_unmap(int fd, uint32_t buf)
{
	struct itd_buf_dma_unmap u = { .size = sizeof(u), .buf_id = buf };

	return lab_td_ioctl(fd, ITD_BUF_DMA_UNMAP, &u);
}

static bool can_copy(const struct td_fixture *f)
{
	return td_caps(f) & ITD_ENGINE_CAP_COPY;
}

/* The device writes 4 KiB at DST: a copy from SRC, or (an engine that only
 * writes data of its own: nvme without a scratch range) a Read into DST. */
static int device_write(struct td_fixture *f, uint64_t src, uint64_t dst)
{
	return can_copy(f) ? td_copy(f, src, dst, SZ_4K) : td_oneway(f, ITD_DMA_FROM_DEVICE, dst, SZ_4K);
}

/* The device reads 4 KiB at SRC: a copy to DST, or a Compare of SRC. */
static int device_read(struct td_fixture *f, uint64_t src, uint64_t dst)
{
	return can_copy(f) ? td_copy(f, src, dst, SZ_4K) : td_oneway(f, ITD_DMA_TO_DEVICE, src, SZ_4K);
}

/* Does the first page of BUF differ anywhere from WAS? */
static int page_changed(struct td_fixture *f, uint32_t buf, const uint8_t *was, bool *changed)
{
	uint8_t p[SZ_4K];
	int ret = lab_td_buf_read(f->fd, buf, 0, p, sizeof(p));

	*changed = !ret && memcmp(p, was, sizeof(p));
	return ret;
}

/*
 * Poison the first page of BUF so that data written there by the device shows:
 * the complement of what the device wrote before (DATA, when given), else
 * 0x5a throughout. The poison is left in P.
 */
static int poison(struct td_fixture *f, uint32_t buf, const uint8_t *data, uint8_t *p)
{
	for (size_t i = 0; i < SZ_4K; i++)
		p[i] = data ? (uint8_t)~data[i] : 0x5a;
	return lab_td_buf_write(f->fd, buf, 0, p, SZ_4K);
}

/*
 * The verdict on one transfer to an IOVA whose unmap returned: ST its ITD_DMA
 * status, LANDED whether it reached the old page. Strict: a fault and nothing
 * landed. Lazy: either, said in the log and the metric `landed_after_unmap`;
 * but a transfer that completed without reaching memory, or landed though it
 * faulted, is a torn result in any mode.
 */
#define EXPECT_UNMAP_KEPT(_st, _landed, _what)                                               \
	do {                                                                                 \
		bool _strict = !strcmp(variant->type, "DMA");                                \
		bool _ok = (_st) == ITD_DMA_OK || (_st) == ITD_DMA_MISMATCH;                 \
		ASSERT_LE(0, (_st)) TH_LOG("ITD_DMA: %s", strerror(-(_st)));                  \
		TH_LOG("%s engine, %s default domain: a %s after dma_unmap returned %s",     \
		       self->f.info.engine, variant->type, _what,                             \
		       (_landed) ? "reached the old page" : (_st) == ITD_DMA_FAULT ?          \
		       "faulted" : "ended otherwise");                                       \
		lab_record_metric("landed_after_unmap", (_landed) ? 1 : 0, "");              \
		EXPECT_TRUE((_st) == ITD_DMA_FAULT || _ok)                                   \
			TH_LOG("ITD_DMA status %d: neither a fault nor a transfer", (_st));  \
		if (_strict) {                                                               \
			EXPECT_EQ(ITD_DMA_FAULT, (_st))                                      \
				TH_LOG("strict mode: the %s after dma_unmap returned did not fault", _what); \
			EXPECT_FALSE(_landed)                                                \
				TH_LOG("strict mode: the %s after dma_unmap returned reached the old page", _what); \
		} else {                                                                     \
			EXPECT_EQ(_ok, (_landed)) TH_LOG("a %s %s, yet %s the old page",     \
							 _what, _ok ? "completed" : "faulted", \
							 (_landed) ? "reached" : "never reached"); \
		}                                                                            \
	} while (0)

TEST_F(dma_api, a_write_after_dma_unmap_returned_faults_unless_lazy)
{
	uint8_t was[SZ_4K], data[SZ_4K];
	uint64_t src_dma, victim_dma;
	uint32_t src, victim;
	bool landed;
	int st;

	test_cmd_buf_dma_api(SZ_4K, &src, &src_dma);
	test_cmd_buf_dma_api(SZ_4K, &victim, &victim_dma);
	test_cmd_fill(src, 0, SZ_4K, 71);
	/* Used once while mapped: the write lands, and the translation may stay cached. */
	ASSERT_EQ(0, poison(&self->f, victim, NULL, was));
	ASSERT_EQ(ITD_DMA_OK, device_write(&self->f, src_dma, victim_dma));
	ASSERT_EQ(0, page_changed(&self->f, victim, was, &landed));
	ASSERT_TRUE(landed) TH_LOG("the %s engine's write to a mapped DMA API buffer did not land",
				   self->f.info.engine);
	ASSERT_EQ(0, lab_td_buf_read(self->f.fd, victim, 0, data, sizeof(data)));
	/* The same write again shows wherever it lands. */
	ASSERT_EQ(0, poison(&self->f, victim, data, was));
	ASSERT_EQ(0, td_dma_unmap(self->f.fd, victim));
	st = device_write(&self->f, src_dma, victim_dma);
	ASSERT_EQ(0, page_changed(&self->f, victim, was, &landed));
	EXPECT_UNMAP_KEPT(st, landed, "device write");
}

TEST_F(dma_api, a_read_after_dma_unmap_returned_faults_unless_lazy)
{
	uint8_t was[SZ_4K], data[SZ_4K];
	uint64_t victim_dma, dst_dma;
	uint32_t victim, dst;
	bool landed;
	int st;

	test_cmd_buf_dma_api(SZ_4K, &victim, &victim_dma);
	test_cmd_buf_dma_api(SZ_4K, &dst, &dst_dma);
	if (can_copy(&self->f)) {
		test_cmd_fill(victim, 0, SZ_4K, 72);
	} else {	/* nvme: its Compare reads the reference data its Read writes */
		ASSERT_EQ(ITD_DMA_OK, td_oneway(&self->f, ITD_DMA_FROM_DEVICE, victim_dma, SZ_4K));
	}
	/* Used once while mapped: the read completes, the translation may stay cached. */
	ASSERT_EQ(ITD_DMA_OK, device_read(&self->f, victim_dma, dst_dma));
	ASSERT_EQ(0, lab_td_buf_read(self->f.fd, victim, 0, data, sizeof(data)));
	ASSERT_EQ(0, poison(&self->f, dst, data, was));
	ASSERT_EQ(0, td_dma_unmap(self->f.fd, victim));
	st = device_read(&self->f, victim_dma, dst_dma);
	/* A copy that read the old page wrote it to dst; a Compare that read it
	 * completed (matching or not): nvme writes nothing to memory there. */
	if (can_copy(&self->f)) {
		ASSERT_EQ(0, page_changed(&self->f, dst, was, &landed));
	} else {
		landed = st == ITD_DMA_OK || st == ITD_DMA_MISMATCH;
	}
	EXPECT_UNMAP_KEPT(st, landed, "device read");
}

/* ITD_BUF_DMA_UNMAP takes only the module's own DMA API buffers, once each, and loses nothing. */
FIXTURE(dma_unmap_uapi) { struct td_fixture f; };
FIXTURE_VARIANT(dma_unmap_uapi) { const char *engine; };
FIXTURE_VARIANT_ADD(dma_unmap_uapi, labdev) { .engine = "labdev" };
FIXTURE_SETUP(dma_unmap_uapi) { TD_OPEN(&self->f, variant->engine); }
FIXTURE_TEARDOWN(dma_unmap_uapi) { TD_TEARDOWN(&self->f); }

TEST_F(dma_unmap_uapi, only_a_mapped_dma_api_buffer_is_unmapped_and_its_data_stays)
{
	struct itd_buf_dma_unmap u = { .size = sizeof(u) };
	uint32_t plain, mapped;
	uint64_t dma;

	test_cmd_buf_alloc(SZ_4K, 0, 0, &plain);
	test_cmd_buf_dma_api(SZ_4K, &mapped, &dma);
	test_cmd_fill(mapped, 0, SZ_4K, 73);
	td_expect(EINVAL, td_dma_unmap(self->f.fd, plain), "ITD_BUF_DMA_UNMAP of a buffer without ITD_BUF_DMA_API");
	td_expect(ENOENT, td_dma_unmap(self->f.fd, mapped + 1000), "ITD_BUF_DMA_UNMAP of an unknown buffer");
	u.buf_id = mapped;
	u.flags = 1;
	test_err_ioctl(EOPNOTSUPP, ITD_BUF_DMA_UNMAP, &u);
	u.flags = 0;
	u.size = 8;
	test_err_ioctl(EINVAL, ITD_BUF_DMA_UNMAP, &u);
	td_expect(0, td_dma_unmap(self->f.fd, mapped), "ITD_BUF_DMA_UNMAP of a DMA API buffer");
	td_expect(EINVAL, td_dma_unmap(self->f.fd, mapped), "a second ITD_BUF_DMA_UNMAP");
	/* The buffer and its bytes are still the module's, until ITD_BUF_FREE. */
	EXPECT_PATTERN(mapped, 0, SZ_4K, 73, 0);
	test_cmd_buf_free(mapped);
	test_cmd_buf_free(plain);
}

TEST_HARNESS_MAIN
