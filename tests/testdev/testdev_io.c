// SPDX-License-Identifier: GPL-2.0-only
/*
 * The module's I/O node, /dev/iommu-testdev/io/<BDF> (docs/testdev.md, "The
 * I/O node"): the path fio drives for `iommu-lab perf`. Reads and writes map
 * the caller's pages with the DMA API through the function's default domain
 * and the device engine moves the bytes. These tests check the bytes land,
 * the edges of the store, that the path steps aside while a test domain holds
 * the requester ID, bad buffers and the ITD_IO_STATS argument. An engine that
 * moves whole blocks (nvme: LBAs, through its scratch range) gets requests
 * of whole blocks from page-aligned buffers; the byte-granular cases are the
 * other engines'.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "kselftest_harness.h"
#include "testdev_common.h"
#include "uapi_growth.h"

FIXTURE(io) {
	struct td_fixture f;
	int io;			/* the I/O node */
	struct itd_io_stats st;
	uint64_t unit;		/* the small request: 100 bytes, or one block of a block engine */
	uint64_t most;		/* the largest request a test makes */
};
FIXTURE_VARIANT(io) {
	const char *engine;
	uint64_t most;		/* the largest request a test makes (edu copies 4 KiB at a time,
				 * slowly; nvme twice, through its scratch range) */
};
FIXTURE_VARIANT_ADD(io, edu) { .engine = "edu", .most = 3 * SZ_4K };
FIXTURE_VARIANT_ADD(io, labdev) { .engine = "labdev", .most = 3 * SZ_2M / 4 };
FIXTURE_VARIANT_ADD(io, nvme) { .engine = "nvme", .most = 96 * SZ_4K };

/* Whether the engine moves whole blocks: requests of whole blocks only. */
static bool blocks(const struct td_fixture *f)
{
	return td_granule(f) > 1;
}

FIXTURE_SETUP(io)
{
	self->io = -1;
	TD_SETUP(&self->f, variant->engine);
	TD_NEED_COPY(&self->f);
	self->unit = blocks(&self->f) ? td_granule(&self->f) : 100;
	self->most = variant->most;
	/* A block engine copies through its scratch range: at most dma_max_len
	 * per copy, and the test makes several copies per request. */
	if (blocks(&self->f) && self->most > 4 * (uint64_t)self->f.info.dma_max_len)
		self->most = 4 * (uint64_t)self->f.info.dma_max_len & ~(SZ_4K - 1);
	self->io = lab_td_io_open(self->f.bdf);
	ASSERT_LE(0, self->io) TH_LOG("open %s/%s: %s", LAB_TD_IO_DIR, self->f.bdf, strerror(-self->io));
	ASSERT_EQ(0, lab_td_io_stats(self->io, true, &self->st));
	ASSERT_STREQ(self->f.info.engine, self->st.engine);
	ASSERT_LT(0, self->st.store_len);
}

FIXTURE_TEARDOWN(io)
{
	if (self->io >= 0)
		close(self->io);
	TD_TEARDOWN(&self->f);
}

/* The call fails with _errno. */
#define test_err_io(_errno, _call) \
	do { errno = 0; ASSERT_EQ(-1, (_call)); ASSERT_EQ(_errno, errno); } while (0)

/* LEN bytes of page-aligned, zeroed user memory (the I/O node pins the pages). */
static uint8_t *user_buf(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, SZ_4K, len ? len : 1))
		return NULL;
	memset(p, 0, len);
	return p;
}

/* Write len pattern bytes from a user buffer misaligned by skew (from a page
 * boundary) at store offset pos, read them back into another buffer, and
 * compare; the store's bytes just outside [pos, pos + len) (64 of them, or a
 * block) must be what they were. */
static void round_trip(struct __test_metadata *_metadata, FIXTURE_DATA(io) *self, uint64_t pos,
		       uint64_t len, size_t skew, uint32_t seed)
{
	uint64_t margin = blocks(&self->f) ? self->unit : 64;
	uint64_t lo = pos >= margin ? pos - margin : 0, hi = pos + len + margin <= self->st.store_len ?
		      pos + len + margin : self->st.store_len;
	uint8_t *out = user_buf(len + skew), *in = user_buf(len), *before = user_buf(hi - lo),
		*after = user_buf(hi - lo);

	ASSERT_TRUE(out && in && before && after);
	ASSERT_EQ((ssize_t)(hi - lo), pread(self->io, before, hi - lo, lo));
	for (uint64_t i = 0; i < len; i++)
		out[skew + i] = td_pattern_byte(seed, i);
	ASSERT_EQ((ssize_t)len, pwrite(self->io, out + skew, len, pos)) TH_LOG("write %#llx at %#llx: %s",
		(unsigned long long)len, (unsigned long long)pos, strerror(errno));
	ASSERT_EQ((ssize_t)len, pread(self->io, in, len, pos));
	ASSERT_EQ(0, memcmp(out + skew, in, len)) TH_LOG("%#llx bytes at %#llx did not round-trip",
		(unsigned long long)len, (unsigned long long)pos);
	ASSERT_EQ((ssize_t)(hi - lo), pread(self->io, after, hi - lo, lo));
	ASSERT_EQ(0, memcmp(before, after, pos - lo));
	ASSERT_EQ(0, memcmp(before + (pos + len - lo), after + (pos + len - lo), hi - pos - len));
	free(out); free(in); free(before); free(after);
}

TEST_F(io, writes_read_back_through_the_dma_api)
{
	uint64_t u = self->unit;
	struct { uint64_t pos, len; size_t skew; } bytewise[] = {
		{ 0, SZ_4K, 0 },			/* one page, aligned */
		{ SZ_4K - 1, 2, 0 },			/* two bytes across a page boundary of the store */
		{ 100, 2 * SZ_4K + 17, 5 },		/* unaligned on both sides, three user pages */
		{ 3 * SZ_4K, self->most, 1 },		/* the largest, several scatterlist entries and steps */
	}, blockwise[] = {
		{ 0, SZ_4K, 0 },			/* one page, aligned */
		{ SZ_4K - u, 2 * u, 0 },		/* two blocks across a page boundary of the store */
		{ u, 2 * SZ_4K + u, 0 },		/* blocks off the page grid in the store, three user pages */
		{ 3 * SZ_4K, self->most, 0 },		/* the largest, several scatterlist entries and steps */
	}, *cases = blocks(&self->f) ? blockwise : bytewise;
	uint64_t bytes = 0;

	for (size_t i = 0; i < sizeof(bytewise) / sizeof(bytewise[0]); i++) {
		round_trip(_metadata, self, cases[i].pos, cases[i].len, cases[i].skew, i);
		bytes += cases[i].len;
	}
	ASSERT_EQ(0, lab_td_io_stats(self->io, false, &self->st));
	/* Every case also read its surroundings twice; count only what the cases moved twice. */
	ASSERT_LE(2 * bytes, self->st.bytes);
	ASSERT_LE(8, self->st.ios);
	ASSERT_NE(0, self->st.iommu_domain_type[0]) TH_LOG("no default domain type reported");
	lab_record_metric("map_ns_per_step", (double)self->st.map_ns / self->st.ios, "ns");
	lab_record_metric("unmap_ns_per_step", (double)self->st.unmap_ns / self->st.ios, "ns");
	TH_LOG("%s default domain: %llu steps, %llu bytes, %llu scatterlist entries", self->st.iommu_domain_type,
	       (unsigned long long)self->st.ios, (unsigned long long)self->st.bytes,
	       (unsigned long long)self->st.segments);
}

/* The store's end, with requests of two units (200 bytes, or two blocks). */
TEST_F(io, requests_end_at_the_store)
{
	uint64_t end = self->st.store_len, u = self->unit;
	uint8_t *buf = user_buf(2 * u);

	ASSERT_NE(NULL, buf);
	buf[0] = 1;
	test_err_io(ENOSPC, pwrite(self->io, buf, 2 * u, end));
	ASSERT_EQ(0, pread(self->io, buf, 2 * u, end));
	ASSERT_EQ((ssize_t)u, pwrite(self->io, buf, 2 * u, end - u));
	ASSERT_EQ((ssize_t)u, pread(self->io, buf, 2 * u, end - u));
	ASSERT_EQ(0, pread(self->io, buf, 0, 0));
	ASSERT_EQ((off_t)end, lseek(self->io, 0, SEEK_END));
	test_err_io(EINVAL, lseek(self->io, -1, SEEK_SET));
	free(buf);
}

TEST_F(io, a_test_domain_at_the_rid_makes_io_busy)
{
	size_t len = blocks(&self->f) ? self->unit : 64;
	uint8_t *buf = user_buf(len);
	uint32_t dom;

	ASSERT_NE(NULL, buf);
	buf[0] = 2;
	test_cmd_domain_alloc(0, &dom);
	test_cmd_attach(dom);
	test_err_io(EBUSY, pwrite(self->io, buf, len, 0));
	test_err_io(EBUSY, pread(self->io, buf, len, 0));
	ASSERT_EQ(0, lab_td_io_stats(self->io, false, &self->st));
	ASSERT_STREQ("", self->st.iommu_domain_type);
	test_cmd_attach(ITD_DOMAIN_BLOCKED);
	test_err_io(EBUSY, pwrite(self->io, buf, len, 0));
	test_cmd_attach(ITD_DOMAIN_DEFAULT);
	ASSERT_EQ((ssize_t)len, pwrite(self->io, buf, len, 0));
	ASSERT_EQ((ssize_t)len, pread(self->io, buf, len, 0));
	ASSERT_EQ(2, buf[0]);
	free(buf);
}

TEST_F(io, bad_buffers_fail_and_leave_the_store_alone)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *gone = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t len = blocks(&self->f) ? self->unit : 64;
	uint8_t *mark = user_buf(len), *back = user_buf(len);

	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_NE(MAP_FAILED, gone);
	ASSERT_TRUE(mark && back);
	ASSERT_LE(len, (size_t)page);
	ASSERT_EQ(0, munmap(gone, page));
	memset(mark, 0x5a, len);
	ASSERT_EQ((ssize_t)len, pwrite(self->io, mark, len, 0));
	test_err_io(EFAULT, pwrite(self->io, gone, len, 0));
	test_err_io(EFAULT, pread(self->io, gone, len, 0));
	test_err_io(EFAULT, pread(self->io, ro, len, 0));	/* the device may not write there */
	ASSERT_EQ((ssize_t)len, pread(self->io, back, len, 0));
	ASSERT_EQ(0, memcmp(mark, back, len));
	munmap(ro, page);
	free(mark);
	free(back);
}

TEST_F(io, stats_argument_is_validated)
{
	struct { struct itd_io_stats st; uint64_t tail; } big = { .st.size = sizeof(big) };
	struct itd_io_stats st = { .size = 8 };
	size_t len = blocks(&self->f) ? self->unit : 16;
	uint8_t *buf = user_buf(len);

	ASSERT_EQ(-EINVAL, lab_td_ioctl(self->io, ITD_IO_STATS, &st));
	st = (struct itd_io_stats){ .size = sizeof(st), .flags = 1u << 7 };
	ASSERT_EQ(-EOPNOTSUPP, lab_td_ioctl(self->io, ITD_IO_STATS, &st));
	big.tail = 1;
	ASSERT_EQ(-E2BIG, lab_td_ioctl(self->io, ITD_IO_STATS, &big));
	big.tail = 0;
	ASSERT_EQ(0, lab_td_ioctl(self->io, ITD_IO_STATS, &big));
	ASSERT_EQ(-ENOTTY, lab_td_ioctl(self->io, ITD_INFO, &st));	/* the control node's commands */
	ASSERT_NE(NULL, buf);
	ASSERT_EQ((ssize_t)len, pwrite(self->io, buf, len, 0));
	ASSERT_EQ(0, lab_td_io_stats(self->io, true, &st));
	ASSERT_EQ(1, st.ios);
	ASSERT_EQ(len, st.bytes);
	ASSERT_EQ(0, lab_td_io_stats(self->io, false, &st));
	ASSERT_EQ(0, st.ios);
	ASSERT_EQ(0, st.bytes);
	free(buf);
}

/* ITD_IO_STATS grows as the control node's structures do (uapi_growth.h). */
TEST_F(io, stats_serves_older_and_newer_callers)
{
	const struct td_uapi_cmd stats = TD_UAPI_CMD(ITD_IO_STATS, itd_io_stats, engine_ns);
	int fd = self->io;

	td_check_framing(_metadata, fd, &stats);
}

TEST_F(io, node_is_root_only)
{
	char path[96];
	struct stat sb;

	snprintf(path, sizeof(path), LAB_TD_IO_DIR "/%s", self->f.bdf);
	ASSERT_EQ(0, stat(path, &sb));
	ASSERT_TRUE(S_ISCHR(sb.st_mode));
	ASSERT_EQ(0600, sb.st_mode & 07777);
	ASSERT_EQ(0, sb.st_uid);
}

TEST_HARNESS_MAIN
