// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOAS rules a device imposes through iommufd: its IOMMU reserved regions
 * (the MSI window, firmware-reserved ranges) never become ordinary IOVAs.
 * With the device attached, mapping there is refused (EINVAL); with a
 * mapping there, the device cannot be attached (EADDRINUSE). The module
 * refuses the same ranges
 * (testdev_uapi map_over_reserved_region_is_eaddrinuse). docs/tests/iommufd.md.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "iommufd_utils.h"

#define PG 4096u

FIXTURE(ioas) {
	int ifd;
	struct idev dev;
	struct lab_resv_region r;
	void *page;
};

FIXTURE_SETUP(ioas)
{
	const char *list = getenv("IOMMU_LAB_VFIO");
	struct lab_resv_region r[8];
	char bdf[32] = "";
	int n = 0, i = 0;

	self->ifd = -1;
	self->dev.pci.fd = -1;
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_IOMMUFD);
	if (!list || sscanf(list, " %31s", bdf) != 1)
		SKIP(return, "no function handed to vfio-pci (iommu-lab run --vfio BDF)");
	n = lab_pci_resv_regions(bdf, r, 8);
	for (i = 0; i < n; i++)
		if (strcmp(r[i].type, "direct-relaxable") && !(r[i].start & (PG - 1)))
			break;
	if (i >= n)
		SKIP(return, "%s: no reserved region (%d regions in its group)", bdf, n);
	self->r = r[i];
	test_open_iommufd(&self->ifd);
	test_open_vfio(self->ifd, bdf, &self->dev);
	self->page = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->page);
	TH_LOG("%s: reserved region %#llx-%#llx %s", bdf, (unsigned long long)self->r.start,
	       (unsigned long long)self->r.end, self->r.type);
}

FIXTURE_TEARDOWN(ioas)
{
	test_close_idev(self->ifd, &self->dev);
	if (self->ifd >= 0)
		close(self->ifd);
}

/* Attached first: the IOAS refuses a mapping in the region (EINVAL: the
 * range is reserved, iopt_check_iova()), takes one next to it. */
TEST_F(ioas, map_over_reserved_region_of_attached_device_is_einval)
{
	uint32_t ioas, hwpt;

	test_cmd_ioas_alloc(&ioas);
	test_cmd_hwpt_alloc(&self->dev, ioas, 0, &hwpt);
	test_cmd_attach(&self->dev, LAB_NO_PASID, hwpt);
	test_err_ioas_map(EINVAL, ioas, self->page, PG, self->r.start, LAB_IOAS_READ);
	test_err_ioas_map(EINVAL, ioas, self->page, PG, self->r.end & ~(uint64_t)(PG - 1), LAB_IOAS_READ);
	if (self->r.start >= PG)
		EXPECT_EQ(0, lab_ioas_map(self->ifd, ioas, self->page, PG, self->r.start - PG, LAB_IOAS_READ));
}

/* Mapped first: a HWPT for the device on that IOAS, or the attach, is
 * refused (EADDRINUSE: the reservation would cover a mapping). */
TEST_F(ioas, device_cannot_join_an_ioas_mapping_its_reserved_region)
{
	uint32_t ioas, hwpt;
	int ret;

	test_cmd_ioas_alloc(&ioas);
	test_cmd_ioas_map(ioas, self->page, PG, self->r.start, LAB_IOAS_READ);
	ret = lab_hwpt_alloc(self->ifd, self->dev.id, ioas, 0, &hwpt);
	if (!ret)
		ret = _test_cmd_attach(self->ifd, &self->dev, LAB_NO_PASID, hwpt);
	EXPECT_EQ(-EADDRINUSE, ret);
	/* Attaching straight to the IOAS (the kernel picks the HWPT) is refused too. */
	test_err_attach(EADDRINUSE, &self->dev, LAB_NO_PASID, ioas);
}

TEST_HARNESS_MAIN
