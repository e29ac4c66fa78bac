// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every allocation of every module path fails once: the kernel's per-task
 * fail-nth (fail_nth.h) fails the 1st, 2nd, ... allocation of one call until
 * the call runs through. Each failure must be a clean errno (ENOMEM), leave
 * nothing behind (the same call made again right after gets what it would
 * have got had the failed one never happened: the same ids, the same state,
 * no mapping, no attachment) and no kernel report; after each path the
 * device still does DMA through its default domain. Leaks are kernel_log's
 * kmemleak scan at the end of the run. The points tried per path are the
 * record's metrics. docs/tests/fail_nth.md.
 *
 * Variants: labdev and nvme, whose engines differ in what a domain holds
 * (nvme maps its queues into every domain). No edu variant: its paths are
 * labdev's but for the engine's registers, which allocate nothing, and the
 * suite's time is better spent elsewhere.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include "kselftest_harness.h"
#include "testdev_common.h"
#include "fail_nth.h"

FIXTURE(fnth) {
	struct td_fixture f;
	struct fail_nth fn;
	struct lab_kmsg_mark start;
	bool marked;		/* start is set: the teardown looks for reports */
};
FIXTURE_VARIANT(fnth) { const char *engine; };
FIXTURE_VARIANT_ADD(fnth, labdev) { .engine = "labdev" };
FIXTURE_VARIANT_ADD(fnth, nvme) { .engine = "nvme" };

FIXTURE_SETUP(fnth)
{
	char why[256];

	self->fn.fd = -1;
	TD_SETUP(&self->f, variant->engine);
	if (fail_nth_setup(&self->fn, why, sizeof(why)))
		SKIP(return, "%s", why);
	if (!self->fn.page_alloc)
		TH_LOG("no fail_page_alloc (CONFIG_FAIL_PAGE_ALLOC): slab allocations fail, page "
		       "allocations (buffers, page-table pages) do not");
	ASSERT_EQ(0, lab_kmsg_mark(&self->start));
	self->marked = true;
}

/*
 * No kernel report since the test began, its close included (the release
 * hands the function back to its default domain). Checked here so that a
 * test an assertion ended early is judged too. The reports are claimed: this
 * test's FAIL names them, and kernel_log does not FAIL for them again.
 */
FIXTURE_TEARDOWN(fnth)
{
	char first[256], by[256];

	fail_nth_cleanup(&self->fn);
	TD_TEARDOWN(&self->f);
	if (!self->marked)
		return;
	snprintf(by, sizeof(by), "testdev_fail_nth.fnth.%s.%s", variant->engine, _metadata->name);
	EXPECT_EQ(0, lab_kmsg_claim_reports(&self->start, by, first, sizeof(first)))
		TH_LOG("kernel report during the test: %s", first);
}

/* An injected allocation failure must come back as ENOMEM (ENOSPC where an
 * ID allocator reports it): anything else hides the cause from the caller. */
#define EXPECT_CLEAN_ERRNO(_ret, _n, _what)                                                  \
	EXPECT_TRUE((_ret) == -ENOMEM || (_ret) == -ENOSPC)                                  \
		TH_LOG("%s, allocation %u failed: %s", _what, _n, td_errname(_ret))

/*
 * What every path ends with: nothing attached at the RID or at a PASID, the
 * function on its default domain, DMA through it landing (a copy between two
 * DMA-API buffers; an engine that only reads its reference data writes it
 * into both). No kernel report: the teardown.
 */
static void expect_healthy(struct __test_metadata *_metadata, FIXTURE_DATA(fnth) *self,
			   unsigned int points, const char *path)
{
	uint64_t a_dma, b_dma;
	uint32_t a, b;

	lab_record_metric(path, points, "points");
	TH_LOG("%s: %u allocation points failed in turn", path, points);
	test_cmd_state(ITD_STATE_DEFAULT, 0);
	test_cmd_buf_dma_api(SZ_4K, &a, &a_dma);
	test_cmd_buf_dma_api(SZ_4K, &b, &b_dma);
	if (td_caps(&self->f) & ITD_ENGINE_CAP_COPY) {
		test_cmd_copy_lands(77, a, a_dma, b, b_dma);
	} else {
		test_cmd_reads_land(a, a_dma, b, b_dma);
	}
	test_cmd_buf_free(a);
	test_cmd_buf_free(b);
}

/* An MSI raised now is delivered once: the interrupt side survived too
 * (on Arm an MSI reaches its doorbell through the domain's MSI cookie; the
 * module re-allocates the vectors after each domain change). */
#define expect_msi(_step, _n)                                                                \
	do {                                                                                 \
		uint32_t _delivered = 0;                                                     \
		ASSERT_EQ(0, lab_td_msi(self->f.fd, 1, 0, &_delivered));                     \
		EXPECT_EQ(1u, _delivered) TH_LOG("%s, allocation %u: the MSI was not "       \
						 "delivered", _step, _n);                   \
	} while (0)

/* One page of pattern SEED copied IOVA_SRC -> IOVA_DST through domain DOM at
 * the RID lands in buffer DST (copying engines only: others SKIP before), and
 * an MSI raised there arrives. */
#define expect_domain_copies(_dom, _src, _dst, _seed)                                        \
	do {                                                                                 \
		test_cmd_attach(_dom);                                                       \
		test_cmd_copy_lands(_seed, _src, IOVA_SRC, _dst, IOVA_DST);                   \
		expect_msi("in the domain", (unsigned int)(_seed));                          \
		test_cmd_detach();                                                           \
		test_cmd_attach(ITD_DOMAIN_DEFAULT);                                         \
	} while (0)

TEST_F_TIMEOUT(fnth, buffer_alloc_fails_cleanly_at_every_allocation, 300)
{
	static const uint32_t kinds[] = { 0, ITD_BUF_DMA_API };
	unsigned int points = 0;

	for (int k = 0; k < 2; k++) {
		uint32_t id = 0, again;
		unsigned int n;
		bool injected = true;
		int ret;

		for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
			id = 0;
			FAIL_NTH_CALL(&self->fn, n, ret, injected,
				      _test_cmd_buf_alloc(self->f.fd, 4 * SZ_4K, 0, kinds[k], &id));
			if (!injected || !ret) {
				ASSERT_EQ(0, ret);
				test_cmd_buf_free(id);
				continue;
			}
			EXPECT_CLEAN_ERRNO(ret, n, "ITD_BUF_ALLOC");
			/* The ID it would have had is free and nothing holds it. */
			test_cmd_buf_alloc(4 * SZ_4K, 0, kinds[k], &again);
			EXPECT_EQ(1u, again) TH_LOG("a failed ITD_BUF_ALLOC kept an ID");
			test_cmd_buf_free(again);
			test_err_buf_free(ENOENT, again);
		}
		EXPECT_LT(n, FAIL_NTH_MAX);
		points += n - 2;
	}
	expect_healthy(_metadata, self, points, "buf_alloc");
}

TEST_F_TIMEOUT(fnth, domain_alloc_and_info_fail_cleanly_at_every_allocation, 300)
{
	uint32_t flags[2] = { 0, ITD_DOMAIN_PASID };
	unsigned int points = 0, n;
	int nflags = self->f.info.max_pasids ? 2 : 1;
	bool injected = true;
	struct itd_info info;
	uint32_t src, dst;
	int ret;

	TD_NEED_COPY(&self->f);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &src);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &dst);
	for (int k = 0; k < nflags; k++) {
		uint32_t id, again;

		injected = true;
		for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
			id = 0;
			FAIL_NTH_CALL(&self->fn, n, ret, injected,
				      _test_cmd_domain_alloc(self->f.fd, flags[k], &id));
			if (!injected || !ret) {
				ASSERT_EQ(0, ret);
				EXPECT_EQ(1u, id);
				/* A domain that came out whole translates. */
				test_cmd_map(id, IOVA_SRC, src, 0, SZ_4K, ITD_MAP_READ);
				test_cmd_map(id, IOVA_DST, dst, 0, SZ_4K, RW);
				expect_domain_copies(id, src, dst, 10 + n);
				test_cmd_unmap(id, IOVA_SRC, SZ_4K);
				test_cmd_unmap(id, IOVA_DST, SZ_4K);
				test_cmd_domain_free(id);
				continue;
			}
			EXPECT_CLEAN_ERRNO(ret, n, "ITD_DOMAIN_ALLOC");
			test_err_domain_free(ENOENT, 1);
			test_cmd_domain_alloc(flags[k], &again);
			EXPECT_EQ(1u, again) TH_LOG("a failed ITD_DOMAIN_ALLOC kept an ID");
			test_cmd_domain_free(again);
		}
		EXPECT_LT(n, FAIL_NTH_MAX);
		points += n - 2;
	}
	/* ITD_INFO allocates a throwaway domain for the page sizes: failing it
	 * is ENOMEM, never a success without them, nor a domain left behind. */
	injected = true;
	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		memset(&info, 0, sizeof(info));
		FAIL_NTH_CALL(&self->fn, n, ret, injected, lab_td_info(self->f.fd, &info));
		EXPECT_TRUE(!ret || ret == -ENOMEM) TH_LOG("ITD_INFO, allocation %u: %s", n, td_errname(ret));
		if (!ret) {
			EXPECT_EQ((uint32_t)ITD_STATE_DEFAULT, info.state);
			EXPECT_EQ(self->f.info.pgsize_bitmap, info.pgsize_bitmap)
				TH_LOG("ITD_INFO, allocation %u: the page sizes were lost", n);
		}
		test_err_domain_free(ENOENT, 1);
	}
	points += n - 2;
	test_cmd_buf_free(src);
	test_cmd_buf_free(dst);
	expect_healthy(_metadata, self, points, "domain_alloc");
}

TEST_F_TIMEOUT(fnth, map_and_unmap_fail_cleanly_at_every_allocation, 300)
{
	unsigned int points = 0, n;
	bool injected = true;
	uint32_t dom, src, dst;
	int ret;

	TD_NEED_COPY(&self->f);
	test_cmd_buf_alloc(SZ_2M, 0, 0, &src);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &dst);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_map(dom, IOVA_DST, dst, 0, SZ_4K, RW);
	/* A 2 MiB mapping at a fresh IOVA needs new page-table levels. */
	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		FAIL_NTH_CALL(&self->fn, n, ret, injected,
			      lab_td_map(self->f.fd, dom, IOVA_SRC, src, 0, SZ_2M, ITD_MAP_READ));
		if (!injected || !ret) {
			ASSERT_EQ(0, ret);
			expect_domain_copies(dom, src, dst, 30 + n);
			test_cmd_unmap(dom, IOVA_SRC, SZ_2M);
			continue;
		}
		EXPECT_CLEAN_ERRNO(ret, n, "ITD_MAP");
		/* Not recorded, and the buffer is not held by a mapping. */
		test_err_unmap(ENOENT, dom, IOVA_SRC, SZ_2M);
		test_cmd_map(dom, IOVA_SRC, src, 0, SZ_2M, ITD_MAP_READ);
		test_cmd_unmap(dom, IOVA_SRC, SZ_2M);
	}
	EXPECT_LT(n, FAIL_NTH_MAX);
	points += n - 2;
	/* Unmap must not fail for want of memory; if it does, it keeps the mapping. */
	injected = true;
	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		test_cmd_map(dom, IOVA_SRC, src, 0, SZ_2M, ITD_MAP_READ);
		FAIL_NTH_CALL(&self->fn, n, ret, injected, lab_td_unmap(self->f.fd, dom, IOVA_SRC, SZ_2M));
		if (ret) {
			EXPECT_CLEAN_ERRNO(ret, n, "ITD_UNMAP");
			expect_domain_copies(dom, src, dst, 50 + n);
			test_cmd_unmap(dom, IOVA_SRC, SZ_2M);
		}
		test_err_unmap(ENOENT, dom, IOVA_SRC, SZ_2M);
	}
	EXPECT_LT(n, FAIL_NTH_MAX);
	points += n - 2;
	test_cmd_unmap(dom, IOVA_DST, SZ_4K);
	test_cmd_domain_free(dom);
	test_cmd_buf_free(src);
	test_cmd_buf_free(dst);
	expect_healthy(_metadata, self, points, "map_unmap");
}

TEST_F_TIMEOUT(fnth, attach_at_the_rid_fails_cleanly_at_every_allocation, 300)
{
	unsigned int points = 0, n;
	bool injected = true;
	uint32_t dom, src, dst;
	int ret;

	/* Where the IOMMU translates MSIs (SMMUv3), every attach allocates the
	 * function's vectors again; with nvme's eight that is about a thousand
	 * points, each failed one costing an ITS event (docs/msi.md, finding
	 * 1), and more than a minute of the run. labdev's one vector covers the
	 * path. */
	if (strcmp(variant->engine, "labdev") && lab_pci_iommu_type(self->f.bdf) == LAB_IOMMU_SMMUV3)
		SKIP(return, "%s: on SMMUv3 each attach allocates the %s function's vectors again (about "
		     "a thousand points with its MSI-X vectors); labdev's one vector covers the path",
		     self->f.bdf, variant->engine);
	TD_NEED_COPY(&self->f);
	test_cmd_copy_pages(&dom, &src, &dst, 60);
	/* From the default domain (claims DMA ownership) and from blocked. */
	for (int from = 0; from < 2; from++) {
		uint32_t before = from ? ITD_STATE_BLOCKED : ITD_STATE_DEFAULT;

		injected = true;
		for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
			if (from)
				test_cmd_attach(ITD_DOMAIN_BLOCKED);
			FAIL_NTH_CALL(&self->fn, n, ret, injected, lab_td_attach(self->f.fd, dom));
			if (!injected || !ret) {
				ASSERT_EQ(0, ret);
				test_cmd_state(ITD_STATE_DOMAIN, dom);
				test_cmd_copy_lands(61 + n, src, IOVA_SRC, dst, IOVA_DST);
				expect_msi("ITD_ATTACH", n);
			} else {
				EXPECT_CLEAN_ERRNO(ret, n, "ITD_ATTACH");
				/* As before, and the domain is not held. */
				test_cmd_state(before, 0);
				test_cmd_attach_state(dom, ITD_STATE_DOMAIN);
			}
			test_cmd_detach();
			test_cmd_attach(ITD_DOMAIN_DEFAULT);
		}
		EXPECT_LT(n, FAIL_NTH_MAX);
		points += n - 2;
	}
	test_cmd_domain_free(dom);
	expect_healthy(_metadata, self, points, "attach_rid");
}

TEST_F_TIMEOUT(fnth, attach_at_a_pasid_fails_cleanly_at_every_allocation, 300)
{
	unsigned int points = 0, n;
	bool injected = true;
	uint32_t dom, src, dst, pasid = 1;
	int ret;

	if (!self->f.info.max_pasids)
		SKIP(return, "%s has no PASIDs", self->f.bdf);
	TD_NEED_COPY(&self->f);
	test_cmd_copy_pages(&dom, &src, &dst, 0);
	test_cmd_domain_free(dom);
	test_cmd_copy_domain(ITD_DOMAIN_PASID, &dom, src, 0, dst, 0);
	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		bool detach_injected;

		FAIL_NTH_CALL(&self->fn, n, ret, injected, lab_td_attach_pasid(self->f.fd, dom, pasid));
		if (!injected || !ret) {
			ASSERT_EQ(0, ret);
		} else {
			EXPECT_CLEAN_ERRNO(ret, n, "ITD_ATTACH at a PASID");
			test_err_detach_pasid(ENOENT, pasid);
			test_cmd_attach_pasid(dom, pasid);
		}
		test_cmd_fill(src, 0, SZ_4K, 70 + n);
		test_cmd_copy_pasid(pasid, IOVA_SRC, IOVA_DST, SZ_4K);
		EXPECT_PATTERN(dst, 0, SZ_4K, 70 + n, 0);
		FAIL_NTH_CALL(&self->fn, n, ret, detach_injected, lab_td_detach_pasid(self->f.fd, pasid));
		if (ret) {
			EXPECT_CLEAN_ERRNO(ret, n, "ITD_DETACH at a PASID");
			test_cmd_detach_pasid(pasid);
		}
		test_err_detach_pasid(ENOENT, pasid);
		injected = injected || detach_injected;
	}
	EXPECT_LT(n, FAIL_NTH_MAX);
	points += n - 2;
	test_cmd_domain_free(dom);
	expect_healthy(_metadata, self, points, "attach_pasid");
}

/* ITD_DMA at the RID by the device engine: the ITD_DMA status, or -errno.
 * Only the ioctl: td_copy() also marks the kernel log, whose open would take
 * the injected failures meant for the module. */
static int dma_only(int fd, uint64_t src, uint64_t dst, uint64_t len)
{
	struct itd_dma op = { .src_iova = src, .dst_iova = dst, .length = len };
	int ret = lab_td_dma(fd, &op);

	return ret ? ret : (int)op.status;
}

TEST_F_TIMEOUT(fnth, dma_and_msi_fail_cleanly_at_every_allocation, 300)
{
	unsigned int points = 0, n;
	bool injected = true;
	uint32_t a, b, delivered = 0;
	uint64_t a_dma, b_dma;
	int ret;

	TD_NEED_COPY(&self->f);
	test_cmd_buf_dma_api(SZ_4K, &a, &a_dma);
	test_cmd_buf_dma_api(SZ_4K, &b, &b_dma);
	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		test_cmd_fill(a, 0, SZ_4K, 80 + n);
		FAIL_NTH_CALL(&self->fn, n, ret, injected, dma_only(self->f.fd, a_dma, b_dma, SZ_4K));
		if (ret) {
			EXPECT_CLEAN_ERRNO(ret, n, "ITD_DMA");
			ASSERT_EQ(ITD_DMA_OK, dma_only(self->f.fd, a_dma, b_dma, SZ_4K));
		}
		EXPECT_PATTERN(b, 0, SZ_4K, 80 + n, 0);
	}
	EXPECT_LT(n, FAIL_NTH_MAX);
	points += n - 2;
	injected = true;
	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		FAIL_NTH_CALL(&self->fn, n, ret, injected, lab_td_msi(self->f.fd, 1, 0, &delivered));
		if (ret) {
			EXPECT_CLEAN_ERRNO(ret, n, "ITD_MSI");
			ASSERT_EQ(0, lab_td_msi(self->f.fd, 1, 0, &delivered));
		}
		EXPECT_EQ(1u, delivered) TH_LOG("ITD_MSI, allocation %u: %u MSIs delivered", n, delivered);
	}
	EXPECT_LT(n, FAIL_NTH_MAX);
	points += n - 2;
	test_cmd_buf_free(a);
	test_cmd_buf_free(b);
	expect_healthy(_metadata, self, points, "dma_msi");
}

/*
 * The I/O node: open, write and read. io_uring is not here: the node does
 * not take IOCB_NOWAIT, so io_uring hands its reads and writes to an io-wq
 * worker thread, which this thread's fail-nth does not reach; the module
 * code they run is read_iter/write_iter, failed here through read/write.
 */
TEST_F_TIMEOUT(fnth, io_node_open_read_and_write_fail_cleanly_at_every_allocation, 300)
{
	uint64_t len = td_granule(&self->f) > 1 ? td_granule(&self->f) : SZ_4K;
	unsigned int points = 0, n;
	bool injected = true;
	uint8_t *out, *in, *old;
	int io = -1, ret;

	TD_NEED_COPY(&self->f);
	ASSERT_EQ(0, posix_memalign((void **)&out, SZ_4K, len));
	ASSERT_EQ(0, posix_memalign((void **)&in, SZ_4K, len));
	ASSERT_EQ(0, posix_memalign((void **)&old, SZ_4K, len));
	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		FAIL_NTH_CALL(&self->fn, n, io, injected, lab_td_io_open(self->f.bdf));
		if (io < 0) {
			EXPECT_CLEAN_ERRNO(io, n, "open of the I/O node");
			io = lab_td_io_open(self->f.bdf);
		}
		ASSERT_LE(0, io);
		if (injected)
			close(io);
	}
	points += n - 2;
	ASSERT_EQ((ssize_t)len, pread(io, old, len, 0));
	/* Writes: a failed one leaves the store as it was. */
	injected = true;
	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		for (uint64_t i = 0; i < len; i++)
			out[i] = td_pattern_byte(90 + n, i);
		FAIL_NTH_CALL(&self->fn, n, ret, injected, (int)pwrite(io, out, len, 0));
		if (ret < 0) {
			EXPECT_CLEAN_ERRNO(-errno, n, "write to the I/O node");
			ASSERT_EQ((ssize_t)len, pread(io, in, len, 0));
			EXPECT_EQ(0, memcmp(in, old, len)) TH_LOG("a failed write changed the store");
			ASSERT_EQ((ssize_t)len, pwrite(io, out, len, 0));
		} else {
			EXPECT_EQ((ssize_t)len, ret) TH_LOG("a short write, allocation %u", n);
		}
		ASSERT_EQ((ssize_t)len, pread(io, in, len, 0));
		EXPECT_EQ(0, memcmp(in, out, len)) TH_LOG("the store does not hold what was written");
		memcpy(old, out, len);
	}
	EXPECT_LT(n, FAIL_NTH_MAX);
	points += n - 2;
	/* Reads: a failed one is an error, never stale or short data. */
	injected = true;
	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		memset(in, 0, len);
		FAIL_NTH_CALL(&self->fn, n, ret, injected, (int)pread(io, in, len, 0));
		if (ret < 0) {
			EXPECT_CLEAN_ERRNO(-errno, n, "read from the I/O node");
			ASSERT_EQ((ssize_t)len, pread(io, in, len, 0));
		} else {
			EXPECT_EQ((ssize_t)len, ret) TH_LOG("a short read, allocation %u", n);
		}
		EXPECT_EQ(0, memcmp(in, old, len)) TH_LOG("the read did not return the store");
	}
	EXPECT_LT(n, FAIL_NTH_MAX);
	points += n - 2;
	close(io);
	free(out);
	free(in);
	free(old);
	expect_healthy(_metadata, self, points, "io_node");
}

/* Closing the control node with a domain attached at a PASID, another with
 * mappings, and buffers: the release path tears it all down. The RID stays
 * on its default domain: handing it back at close is the path of
 * handing_the_rid_back_..., which Linux 7.3 VT-d cannot take under injection. */
TEST_F_TIMEOUT(fnth, close_with_state_fails_nothing, 300)
{
	unsigned int points = 0, n;
	bool injected = true;
	uint32_t dom, src, dst, pdom;
	int ret;

	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		test_cmd_copy_pages(&dom, &src, &dst, 100);
		if (self->f.info.max_pasids) {
			test_cmd_copy_domain(ITD_DOMAIN_PASID, &pdom, src, 0, dst, 0);
			test_cmd_attach_pasid(pdom, 1);
		}
		/* The release runs when close returns to user space (task work):
		 * still this thread. */
		FAIL_NTH_CALL(&self->fn, n, ret, injected, close(self->f.fd));
		EXPECT_EQ(0, ret);
		self->f.fd = lab_td_open(self->f.bdf);
		ASSERT_LE(0, self->f.fd) TH_LOG("reopen %s: %s", self->f.bdf, strerror(-self->f.fd));
		test_cmd_state(ITD_STATE_DEFAULT, 0);
		/* Nothing of the closed file's is left: its IDs are free again. */
		test_err_domain_free(ENOENT, 1);
		test_err_buf_free(ENOENT, 1);
	}
	EXPECT_LT(n, FAIL_NTH_MAX);
	points += n - 2;
	expect_healthy(_metadata, self, points, "close");
}

/*
 * Back to the default domain (ITD_ATTACH(DEFAULT) from blocked: the module
 * releases DMA ownership). The kernel gives that call no way to fail
 * (iommu_device_release_dma_owner() returns nothing; the core attaches the
 * default domain "must succeed"), so every failure injected on the way must
 * be absorbed: the function on its default domain, its DMA and MSIs working,
 * no report. Linux 7.3 VT-d allocates on that path, and a failure there WARNs
 * in __iommu_release_dma_ownership() (a finding, docs/tests/fail_nth.md); the
 * nvme function does not come back from it (its next command fails for the
 * rest of the boot), so that variant does not run it, and the labdev one only
 * on a machine the user calls disposable (the testbed guests). Last in the
 * file: what it breaks, it breaks after the others ran.
 */
TEST_F_TIMEOUT(fnth, handing_the_rid_back_to_the_default_domain_absorbs_every_failed_allocation,
	       300)
{
	unsigned int n;
	bool injected = true;
	uint32_t dom, src, dst;
	int ret;

	if (strcmp(variant->engine, "labdev"))
		SKIP(return, "%s: the %s function does not survive a failed return to the default domain "
		     "on kernels that WARN there (Linux 7.3 VT-d); labdev stands for it", self->f.bdf,
		     variant->engine);
	if (!getenv("IOMMU_LAB_DISPOSABLE"))
		SKIP(return, "on kernels that WARN there this can leave %s on a stale context until reboot; "
		     "runs only with iommu-lab run --disposable", self->f.bdf);
	TD_NEED_COPY(&self->f);
	test_cmd_copy_pages(&dom, &src, &dst, 110);
	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		test_cmd_attach(dom);
		test_cmd_detach();
		FAIL_NTH_CALL(&self->fn, n, ret, injected, lab_td_attach(self->f.fd, ITD_DOMAIN_DEFAULT));
		EXPECT_EQ(0, ret) TH_LOG("ITD_ATTACH(DEFAULT), allocation %u: %s (the release cannot fail)",
					 n, td_errname(ret));
		if (ret)
			test_cmd_attach(ITD_DOMAIN_DEFAULT);
		test_cmd_state(ITD_STATE_DEFAULT, 0);
		expect_msi("ITD_ATTACH(DEFAULT)", n);
	}
	EXPECT_LT(n, FAIL_NTH_MAX);
	test_cmd_domain_free(dom);
	test_cmd_buf_free(src);
	test_cmd_buf_free(dst);
	expect_healthy(_metadata, self, n - 2, "release");
}

TEST_HARNESS_MAIN
