// SPDX-License-Identifier: GPL-2.0-only
/*
 * The nvme engine's read-only pairs: DMA checks that run on any lab host's
 * NVMe function without a scratch range, because nothing here writes the
 * media. Device to memory is a Read of the reference range (LBAs from 0;
 * Identify Controller data without a namespace), memory to device a Compare
 * against it. The test first reads the reference through a DMA-API buffer,
 * twice, into complementary poison, so it knows the content (a blank disk
 * reads zeros, and still cannot pass for poison); every page it checks is
 * poisoned with the reference XOR 0xa5, which differs from the reference at
 * every byte. In the default domain, a test domain and after a remap: a Read
 * lands in the page mapped and nowhere else; Compare succeeds on the
 * reference and reports a one-byte change; a Read into an unmapped or
 * read-only IOVA, and a Compare from an unmapped one, fault. A controller
 * timeout cannot be provoked on demand (the reset after one is logged by the
 * module, docs/testdev.md), so no test waits for one. docs/tests/testdev.md.
 */
#include "kselftest_harness.h"
#include "testdev_common.h"

/* Bytes each transfer moves: a page of the reference. */
#define LEN SZ_4K

FIXTURE(pairs) {
	struct td_fixture f;
	uint8_t ref[LEN];	/* the reference content */
	uint8_t poison[LEN];	/* ref ^ 0xa5: differs from it at every byte */
};
FIXTURE_VARIANT(pairs) { const char *engine; };
FIXTURE_VARIANT_ADD(pairs, nvme) { .engine = "nvme" };

/* A DMA-API buffer of LEN holding POISON bytes, read back as OUT after the
 * device wrote its reference there. */
static int read_reference_once(struct td_fixture *f, uint8_t poison, uint8_t *out)
{
	uint64_t dma;
	uint32_t buf;
	int ret;

	memset(out, poison, LEN);
	ret = lab_td_buf_alloc(f->fd, LEN, 0, ITD_BUF_DMA_API, &buf, &dma);
	if (!ret)
		ret = lab_td_buf_write(f->fd, buf, 0, out, LEN);
	if (!ret)
		ret = td_oneway(f, ITD_DMA_FROM_DEVICE, dma, LEN);
	if (ret == ITD_DMA_OK)
		ret = lab_td_buf_read(f->fd, buf, 0, out, LEN);
	else if (ret > 0)
		ret = -EIO;
	lab_td_buf_free(f->fd, buf);
	return ret;
}

FIXTURE_SETUP(pairs)
{
	uint8_t again[LEN];

	TD_SETUP(&self->f, variant->engine);
	if (td_granule(&self->f) > LEN || self->f.info.dma_max_len < LEN)
		SKIP(return, "%s: blocks of %u bytes, at most %u per transfer: the tests move one 4 KiB page",
		     self->f.bdf, td_granule(&self->f), self->f.info.dma_max_len);
	ASSERT_NE(0u, td_caps(&self->f) & ITD_ENGINE_CAP_FROM_DEVICE);
	/* Twice, into 0x00 then 0xff: equal only where the device wrote both. */
	ASSERT_EQ(0, read_reference_once(&self->f, 0x00, self->ref));
	ASSERT_EQ(0, read_reference_once(&self->f, 0xff, again));
	ASSERT_EQ(0, memcmp(self->ref, again, LEN)) TH_LOG("the reference reads differ: the device's reads did not land");
	for (size_t i = 0; i < LEN; i++)
		self->poison[i] = self->ref[i] ^ 0xa5;
	TH_LOG("%s: the reference's first bytes %02x %02x %02x %02x", self->f.bdf, self->ref[0],
	       self->ref[1], self->ref[2], self->ref[3]);
}

FIXTURE_TEARDOWN(pairs)
{
	TD_TEARDOWN(&self->f);
}

/* --- steps ------------------------------------------------------------------------------------ */

/* Page _PAGE of buffer _BUF is poisoned / holds the reference / holds it with
 * byte _AT changed. */
#define poison_page(_buf, _page) \
	ASSERT_EQ(0, lab_td_buf_write(self->f.fd, _buf, (_page) * LEN, self->poison, LEN))
#define reference_page(_buf, _page) \
	ASSERT_EQ(0, lab_td_buf_write(self->f.fd, _buf, (_page) * LEN, self->ref, LEN))
#define changed_page(_buf, _page, _at)                                                        \
	do {                                                                                  \
		uint8_t _p[LEN];                                                              \
		memcpy(_p, self->ref, LEN);                                                   \
		_p[_at] ^= 0x01;                                                              \
		ASSERT_EQ(0, lab_td_buf_write(self->f.fd, _buf, (_page) * LEN, _p, LEN));     \
	} while (0)

/* 0 when page PAGE of BUF holds WANT. */
static int page_is(struct td_fixture *f, uint32_t buf, uint64_t page, const uint8_t *want)
{
	uint8_t got[LEN];
	int ret = lab_td_buf_read(f->fd, buf, page * LEN, got, LEN);

	return ret ? ret : memcmp(got, want, LEN) ? -1 : 0;
}

#define EXPECT_REFERENCE(_buf, _page) \
	EXPECT_EQ(0, page_is(&self->f, _buf, _page, self->ref)) \
	TH_LOG("buffer %u page %u does not hold the reference", _buf, (unsigned int)(_page))
#define EXPECT_POISON(_buf, _page) \
	EXPECT_EQ(0, page_is(&self->f, _buf, _page, self->poison)) \
	TH_LOG("buffer %u page %u was written", _buf, (unsigned int)(_page))

/* A one-sided transfer that must complete. */
#define test_cmd_read(_iova) ASSERT_EQ(ITD_DMA_OK, td_oneway(&self->f, ITD_DMA_FROM_DEVICE, _iova, LEN))

/* A Compare of the page at _IOVA with the reference ends with _STATUS. */
#define EXPECT_COMPARE(_status, _iova) \
	EXPECT_EQ(_status, td_oneway(&self->f, ITD_DMA_TO_DEVICE, _iova, LEN))

/* A new page _BUF holding the reference, read-only at IOVA_SRC in a new
 * domain _DOM attached at the RID: what a Compare reads in a test domain. */
#define test_cmd_reference_domain(_dom, _buf)                                                 \
	do {                                                                                  \
		test_cmd_buf_alloc(LEN, 0, 0, _buf);                                          \
		reference_page(*(_buf), 0);                                                   \
		test_cmd_domain_attached(_dom, IOVA_SRC, *(_buf), LEN, ITD_MAP_READ);         \
	} while (0)

/* The Compare capability: a namespace, and Compare in the controller's ONCS. */
#define NEED_COMPARE()                                                                        \
	do {                                                                                  \
		if (!(td_caps(&self->f) & ITD_ENGINE_CAP_TO_DEVICE))                          \
			SKIP(return, "%s cannot Compare (no namespace, or ONCS without Compare): " \
			     "no memory-to-device check", self->f.bdf);                       \
	} while (0)

/*
 * A one-sided transfer that must fault at IOVA: the engine reports it
 * (ITD_DMA_FAULT), or the IOMMU driver logs it (QEMU's nvme model completes a
 * transfer whose DMA failed, as edu does). Repeated in a fresh rate-limit
 * window if the log has none, as td_copy_faults() does.
 */
#define test_cmd_oneway_faults(_dir, _iova, _write)                                           \
	do {                                                                                  \
		bool _seen = false;                                                           \
		int _st = 0;                                                                  \
		if (!self->f.kmsg_ok)                                                         \
			SKIP(return, "device faults are read from the kernel log, which is unreadable"); \
		for (int _a = 0; _a < 3 && !_seen; _a++) {                                    \
			_st = td_oneway(&self->f, _dir, _iova, LEN);                          \
			ASSERT_LE(0, _st) TH_LOG("ITD_DMA: %s", td_errname(_st));             \
			_seen = _st == ITD_DMA_FAULT ||                                       \
				td_fault_check(&self->f, _iova, _write, _a < 2) > 0;          \
		}                                                                             \
		TH_LOG("status %d (0 OK, %d FAULT, %d MISMATCH)", _st, ITD_DMA_FAULT,         \
		       ITD_DMA_MISMATCH);                                                     \
		EXPECT_TRUE(_seen) TH_LOG("no %s fault recorded for %s at IOVA %#llx",        \
					  (_write) ? "write" : "read", self->f.bdf,           \
					  (unsigned long long)(_iova));                       \
	} while (0)

/* --- device to memory: Read ------------------------------------------------------------------- */

/* In the kernel's default domain: the middle page of a DMA-API buffer. */
TEST_F(pairs, read_lands_only_in_the_mapped_page_in_the_default_domain)
{
	uint64_t dma;
	uint32_t buf;

	test_cmd_buf_dma_api(3 * LEN, &buf, &dma);
	for (int i = 0; i < 3; i++)
		poison_page(buf, i);
	test_cmd_read(dma + LEN);
	EXPECT_REFERENCE(buf, 1);
	EXPECT_POISON(buf, 0);
	EXPECT_POISON(buf, 2);
}

/* In a test domain mapping four buffer pages out of order (2, 0, 3, 1). */
TEST_F(pairs, read_lands_only_in_the_mapped_page_in_a_test_domain)
{
	static const unsigned int shuffle[4] = { 2, 0, 3, 1 };
	uint32_t dom, buf;

	test_cmd_buf_alloc(4 * LEN, 0, 0, &buf);
	test_cmd_domain_alloc(0, &dom);
	for (int i = 0; i < 4; i++) {
		poison_page(buf, i);
		test_cmd_map(dom, IOVA_DST + i * LEN, buf, shuffle[i] * LEN, LEN, RW);
	}
	test_cmd_attach(dom);
	test_cmd_read(IOVA_DST + 2 * LEN);	/* IOVA page 2 -> buffer page 3 */
	EXPECT_REFERENCE(buf, 3);
	for (int i = 0; i < 3; i++) {
		EXPECT_POISON(buf, i);
	}
}

/* After the IOVA is unmapped and mapped to another page, a Read reaches the
 * new page and never the old one. */
TEST_F(pairs, read_after_remap_lands_in_the_new_page_never_the_old)
{
	uint32_t dom, old, new;

	test_cmd_buf_alloc(LEN, 0, 0, &old);
	test_cmd_buf_alloc(LEN, 0, 0, &new);
	test_cmd_domain_attached(&dom, IOVA_DST, old, LEN, RW);
	poison_page(old, 0);
	test_cmd_read(IOVA_DST);		/* the translation is now cached */
	EXPECT_REFERENCE(old, 0);

	test_cmd_unmap(dom, IOVA_DST, LEN);
	test_cmd_map(dom, IOVA_DST, new, 0, LEN, RW);
	poison_page(old, 0);
	poison_page(new, 0);
	test_cmd_read(IOVA_DST);
	EXPECT_REFERENCE(new, 0);
	EXPECT_POISON(old, 0);
}

/* A Read into an IOVA between two mapped pages faults; neither neighbour is written. */
TEST_F(pairs, read_into_an_unmapped_iova_faults)
{
	uint32_t dom, buf;

	test_cmd_buf_alloc(2 * LEN, 0, 0, &buf);
	poison_page(buf, 0);
	poison_page(buf, 1);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_map(dom, IOVA_DST, buf, 0, LEN, RW);
	test_cmd_map(dom, IOVA_DST + 2 * LEN, buf, LEN, LEN, RW);
	test_cmd_attach(dom);
	test_cmd_oneway_faults(ITD_DMA_FROM_DEVICE, IOVA_DST + LEN, 1);
	EXPECT_POISON(buf, 0);
	EXPECT_POISON(buf, 1);
}

/* A Read into a page the domain maps read-only faults, and the page keeps its bytes. */
TEST_F(pairs, read_into_a_readonly_iova_faults)
{
	uint32_t dom, buf;

	test_cmd_buf_alloc(LEN, 0, 0, &buf);
	poison_page(buf, 0);
	test_cmd_domain_attached(&dom, IOVA_DST, buf, LEN, ITD_MAP_READ);
	test_cmd_oneway_faults(ITD_DMA_FROM_DEVICE, IOVA_DST, 1);
	EXPECT_POISON(buf, 0);
}

/* Once ITD_UNMAP returns, a Read to the IOVA faults and the old page keeps its bytes. */
TEST_F(pairs, read_after_unmap_faults)
{
	uint32_t dom, buf;

	test_cmd_buf_alloc(LEN, 0, 0, &buf);
	test_cmd_domain_attached(&dom, IOVA_DST, buf, LEN, RW);
	poison_page(buf, 0);
	test_cmd_read(IOVA_DST);
	EXPECT_REFERENCE(buf, 0);
	test_cmd_unmap(dom, IOVA_DST, LEN);
	poison_page(buf, 0);
	test_cmd_oneway_faults(ITD_DMA_FROM_DEVICE, IOVA_DST, 1);
	EXPECT_POISON(buf, 0);
}

/* --- memory to device: Compare ---------------------------------------------------------------- */

/* In the default domain: the reference matches, a one-byte change does not. */
TEST_F(pairs, compare_sees_the_reference_and_a_changed_byte_in_the_default_domain)
{
	uint64_t dma;
	uint32_t buf;

	NEED_COMPARE();
	test_cmd_buf_dma_api(LEN, &buf, &dma);
	reference_page(buf, 0);
	EXPECT_COMPARE(ITD_DMA_OK, dma);
	changed_page(buf, 0, LEN / 2 + 3);
	EXPECT_COMPARE(ITD_DMA_MISMATCH, dma);
}

/* In a test domain, through a read-only mapping (the device only reads):
 * the same, with the page's last byte changed. */
TEST_F(pairs, compare_sees_the_reference_and_a_changed_byte_in_a_test_domain)
{
	uint32_t dom, buf;

	NEED_COMPARE();
	test_cmd_reference_domain(&dom, &buf);
	EXPECT_COMPARE(ITD_DMA_OK, IOVA_SRC);
	changed_page(buf, 0, LEN - 1);
	EXPECT_COMPARE(ITD_DMA_MISMATCH, IOVA_SRC);
}

/* After a remap the device compares the new page's bytes, never the old
 * page's it may have cached: old holds the reference, new a changed byte;
 * then back again. */
TEST_F(pairs, compare_after_remap_reads_the_new_page)
{
	uint32_t dom, old, new;

	NEED_COMPARE();
	test_cmd_buf_alloc(LEN, 0, 0, &old);
	test_cmd_buf_alloc(LEN, 0, 0, &new);
	reference_page(old, 0);
	changed_page(new, 0, 0);
	test_cmd_domain_attached(&dom, IOVA_SRC, old, LEN, ITD_MAP_READ);
	EXPECT_COMPARE(ITD_DMA_OK, IOVA_SRC);
	test_cmd_unmap(dom, IOVA_SRC, LEN);
	test_cmd_map(dom, IOVA_SRC, new, 0, LEN, ITD_MAP_READ);
	EXPECT_COMPARE(ITD_DMA_MISMATCH, IOVA_SRC);
	test_cmd_unmap(dom, IOVA_SRC, LEN);
	test_cmd_map(dom, IOVA_SRC, old, 0, LEN, ITD_MAP_READ);
	EXPECT_COMPARE(ITD_DMA_OK, IOVA_SRC);
}

/* A Compare from an unmapped IOVA faults (the status alone may not say so: a
 * device that reads the failed access as zeros finds a blank disk equal). */
TEST_F(pairs, compare_from_an_unmapped_iova_faults)
{
	uint32_t dom, buf;

	NEED_COMPARE();
	test_cmd_reference_domain(&dom, &buf);
	test_cmd_oneway_faults(ITD_DMA_TO_DEVICE, IOVA_SRC + 2 * LEN, 0);
}

TEST_HARNESS_MAIN
