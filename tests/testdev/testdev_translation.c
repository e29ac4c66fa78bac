// SPDX-License-Identifier: GPL-2.0-only
/*
 * Translation: DMA through a paging domain at the requester ID reaches exactly
 * the pages the IOVAs are mapped to. Pages are mapped out of order so that an
 * identity-like or off-by-a-page translation cannot pass. docs/tests/testdev.md.
 */
#include "kselftest_harness.h"
#include "testdev_common.h"

TD_DMA_FIXTURE()

/* Map the 4 pages of BUF at IOVA in the order 2, 0, 3, 1. */
static const unsigned int shuffle[4] = { 2, 0, 3, 1 };

static void map_shuffled(struct __test_metadata *_metadata, FIXTURE_DATA(dma) *self, uint32_t dom,
			 uint64_t iova, uint32_t buf, uint32_t prot)
{
	for (int i = 0; i < 4; i++)
		test_cmd_map(dom, iova + i * SZ_4K, buf, shuffle[i] * SZ_4K, SZ_4K, prot);
}

/* A page written through an IOVA lands in the page it maps to, nowhere else. */
TEST_F(dma, write_lands_only_in_mapped_page)
{
	uint32_t dom, src, dst;

	test_cmd_buf_alloc(SZ_4K, 0, 0, &src);
	test_cmd_buf_alloc(4 * SZ_4K, 0, 0, &dst);
	test_cmd_fill(src, 0, SZ_4K, 1);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_map(dom, IOVA_SRC, src, 0, SZ_4K, ITD_MAP_READ);
	map_shuffled(_metadata, self, dom, IOVA_DST, dst, RW);
	test_cmd_attach(dom);

	test_cmd_copy(IOVA_SRC, IOVA_DST + 2 * SZ_4K, SZ_4K);	/* IOVA page 2 -> buffer page 3 */
	EXPECT_PATTERN(dst, 3 * SZ_4K, SZ_4K, 1, 0);
	EXPECT_ZERO(dst, 0, 3 * SZ_4K);
	EXPECT_PATTERN(src, 0, SZ_4K, 1, 0);
}

/* The device reads the data of the page an IOVA maps to. */
TEST_F(dma, read_returns_mapped_data)
{
	uint32_t dom, src, dst;

	test_cmd_buf_alloc(4 * SZ_4K, 0, 0, &src);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &dst);
	for (int i = 0; i < 4; i++)
		test_cmd_fill(src, i * SZ_4K, SZ_4K, 10 + i);
	test_cmd_domain_alloc(0, &dom);
	map_shuffled(_metadata, self, dom, IOVA_SRC, src, ITD_MAP_READ);
	test_cmd_map(dom, IOVA_DST, dst, 0, SZ_4K, RW);
	test_cmd_attach(dom);

	test_cmd_copy(IOVA_SRC + 1 * SZ_4K, IOVA_DST, SZ_4K);	/* IOVA page 1 -> buffer page 0 */
	EXPECT_PATTERN(dst, 0, SZ_4K, 10, 0);
	test_cmd_copy(IOVA_SRC + 3 * SZ_4K, IOVA_DST, SZ_4K);	/* IOVA page 3 -> buffer page 1 */
	EXPECT_PATTERN(dst, 0, SZ_4K, 11, 0);
}

/* Sub-page offsets are kept on both sides, and bytes around them are untouched. */
TEST_F(dma, sub_page_offsets)
{
	uint32_t dom, src, dst;

	TD_NEED_GRANULE(&self->f, 0x2a0, 0x123, 0x456);
	test_cmd_copy_pages(&dom, &src, &dst, 20);
	test_cmd_attach(dom);

	test_cmd_copy(IOVA_SRC + 0x123, IOVA_DST + 0x456, 0x2a0);
	EXPECT_PATTERN(dst, 0x456, 0x2a0, 20, 0x123);
	EXPECT_ZERO(dst, 0, 0x456);
	EXPECT_ZERO(dst, 0x456 + 0x2a0, SZ_4K - 0x456 - 0x2a0);
}

/* A transfer that crosses an IOVA page boundary on both sides follows each
 * page's own translation (the pages are not physically adjacent). */
TEST_F(dma, transfer_across_page_boundaries)
{
	uint32_t dom, src, dst;

	test_cmd_buf_alloc(4 * SZ_4K, 0, 0, &src);
	test_cmd_buf_alloc(4 * SZ_4K, 0, 0, &dst);
	for (int i = 0; i < 4; i++)
		test_cmd_fill(src, i * SZ_4K, SZ_4K, 30 + i);
	test_cmd_domain_alloc(0, &dom);
	map_shuffled(_metadata, self, dom, IOVA_SRC, src, ITD_MAP_READ);
	map_shuffled(_metadata, self, dom, IOVA_DST, dst, RW);
	test_cmd_attach(dom);

	/* IOVA [0x800, 0x1800): src buffer page 2 upper half, then page 0 lower half;
	 * lands at IOVA [0x2c00, 0x3c00): dst buffer page 3 from 0xc00, then page 1. */
	test_cmd_copy(IOVA_SRC + 0x800, IOVA_DST + 0x2c00, SZ_4K);
	EXPECT_PATTERN(dst, 3 * SZ_4K + 0xc00, 0x400, 32, 0x800);
	EXPECT_PATTERN(dst, 1 * SZ_4K, 0x400, 32, 0xc00);
	EXPECT_PATTERN(dst, 1 * SZ_4K + 0x400, 0x800, 30, 0);
	EXPECT_ZERO(dst, 0, SZ_4K);
	EXPECT_ZERO(dst, 2 * SZ_4K, SZ_4K);
}

/* A 2 MiB-aligned 2 MiB mapping (one the IOMMU driver can map with a 2 MiB
 * page) translates at its start, middle and last page. */
TEST_F(dma, large_page_2m)
{
	static const uint64_t offs[] = { 0, 0x100000 + 0x340, SZ_2M - SZ_4K };
	uint32_t dom, src, big;

	if (!(self->f.info.pgsize_bitmap & SZ_2M))
		SKIP(return, "the IOMMU has no 2 MiB pages (pgsize_bitmap %#llx)",
		     (unsigned long long)self->f.info.pgsize_bitmap);
	TD_NEED_GRANULE(&self->f, 0x200, 0, offs[1]);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &src);
	test_cmd_buf_alloc(SZ_2M, SZ_2M, 0, &big);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_map(dom, IOVA_SRC, src, 0, SZ_4K, ITD_MAP_READ);
	test_cmd_map(dom, 0x40000000, big, 0, SZ_2M, RW);
	test_cmd_attach(dom);
	for (unsigned int i = 0; i < 3; i++) {
		test_cmd_fill(src, 0, SZ_4K, 40 + i);
		test_cmd_copy(IOVA_SRC, 0x40000000 + offs[i], 0x200);
		EXPECT_PATTERN(big, offs[i], 0x200, 40 + i, 0);
	}
	EXPECT_ZERO(big, 0x200, 0x100000 + 0x340 - 0x200);
}

/* The same for a 1 GiB mapping, where the IOMMU has 1 GiB pages and the
 * module can get 1 GiB of contiguous memory. */
TEST_F(dma, large_page_1g)
{
	uint32_t dom, src, big;
	int ret;

	if (!(self->f.info.pgsize_bitmap & SZ_1G))
		SKIP(return, "the IOMMU has no 1 GiB pages (pgsize_bitmap %#llx)",
		     (unsigned long long)self->f.info.pgsize_bitmap);
	TD_NEED_GRANULE(&self->f, 0x200, 0, SZ_1G - SZ_4K);
	ret = _test_cmd_buf_alloc(self->f.fd, SZ_1G, SZ_1G, 0, &big);
	if (ret == -ENOMEM)
		SKIP(return, "the module's buffers come from the page allocator (at most a few MiB "
		     "contiguous): no 1 GiB buffer to map");
	ASSERT_EQ(0, ret);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &src);
	test_cmd_fill(src, 0, SZ_4K, 50);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_map(dom, IOVA_SRC, src, 0, SZ_4K, ITD_MAP_READ);
	test_cmd_map(dom, SZ_1G, big, 0, SZ_1G, RW);
	test_cmd_attach(dom);
	test_cmd_copy(IOVA_SRC, SZ_1G + SZ_1G - SZ_4K, 0x200);
	EXPECT_PATTERN(big, SZ_1G - SZ_4K, 0x200, 50, 0);
}

/* What the IOMMU in front of bdf says of its address widths, as read:
 * VT-d's CAP (SAGAW, MGAW) from sysfs; nothing for other IOMMUs. */
static void iommu_widths(const char *bdf, char *buf, size_t len)
{
	char name[96];
	uint64_t cap;

	if (lab_pci_iommu_type(bdf) != LAB_IOMMU_VTD ||
	    lab_read_link_base(name, sizeof(name), "/sys/bus/pci/devices/%s/iommu", bdf) ||
	    lab_read_hex(&cap, "/sys/class/iommu/%s/intel-iommu/cap", name)) {
		snprintf(buf, len, "address widths not readable here");
		return;
	}
	snprintf(buf, len, "%s CAP.SAGAW %#llx (bit 1/2/3: 39/48/57-bit tables), CAP.MGAW %llu bits",
		 name, (unsigned long long)(cap >> 8 & 0x1f), (unsigned long long)(cap >> 16 & 0x3f) + 1);
}

/*
 * The lowest and the highest page of the attached domain's aperture
 * translate. The aperture is read after the attach: a domain that the
 * kernel allocates before knowing its IOMMU (VT-d before Linux 6.13, where
 * iommu_paging_domain_alloc() falls back to the type-only allocation)
 * reports the driver's widest default, 57 bits, until the attach narrows it
 * to the IOMMU's width; VT-d refuses to attach a domain mapped beyond that
 * width (EINVAL). The geometry a domain reports attached is what a user may map.
 */
TEST_F(dma, aperture_bottom_and_top)
{
	uint64_t pg = self->f.page, lo, hi;
	/* The aperture's last bytes: 0x100, or one block of an engine that moves whole blocks. */
	uint64_t tail = td_granule(&self->f) > 0x100 ? td_granule(&self->f) : 0x100;
	struct itd_info info = self->f.info;
	uint32_t dom, src, dst;
	char widths[160];
	int ret;

	iommu_widths(self->f.bdf, widths, sizeof(widths));
	test_cmd_buf_alloc(pg, 0, 0, &src);
	test_cmd_buf_alloc(2 * pg, 0, 0, &dst);
	test_cmd_fill(src, 0, SZ_4K, 60);
	test_cmd_domain_alloc(0, &dom);
	ret = lab_td_attach(self->f.fd, dom);
	ASSERT_EQ(0, ret) TH_LOG("attach of an empty domain: %s (aperture before attach [%#llx, %#llx]; %s)",
				 strerror(-ret), (unsigned long long)info.aperture_start,
				 (unsigned long long)info.aperture_end, widths);
	test_cmd_info(&info);
	lo = info.aperture_start;
	hi = info.aperture_end + 1 - pg;
	TH_LOG("aperture before attach [%#llx, %#llx], attached [%#llx, %#llx]; %s",
	       (unsigned long long)self->f.info.aperture_start, (unsigned long long)self->f.info.aperture_end,
	       (unsigned long long)lo, (unsigned long long)info.aperture_end, widths);
	if (info.aperture_end <= lo || hi > 1ull << 57)
		SKIP(return, "no usable aperture reported ([%#llx, %#llx])", (unsigned long long)lo,
		     (unsigned long long)info.aperture_end);
	test_cmd_map(dom, IOVA_SRC, src, 0, pg, ITD_MAP_READ);
	test_cmd_map(dom, lo, dst, 0, pg, RW);
	ret = lab_td_map(self->f.fd, dom, hi, dst, pg, pg, RW);
	ASSERT_EQ(0, ret) TH_LOG("map of the attached domain's last page %#llx: %s (its aperture ends at %#llx; %s)",
				 (unsigned long long)hi, strerror(-ret),
				 (unsigned long long)info.aperture_end, widths);

	test_cmd_copy(IOVA_SRC, lo, SZ_4K);
	EXPECT_PATTERN(dst, 0, SZ_4K, 60, 0);
	test_cmd_copy(IOVA_SRC, hi + pg - tail, tail);	/* the aperture's last bytes */
	EXPECT_PATTERN(dst, 2 * pg - tail, tail, 60, 0);
}

TEST_HARNESS_MAIN
