// SPDX-License-Identifier: GPL-2.0-only
#include "config.h"
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "iommufd.h"
#include "iommufd_mock.h"

#ifdef HAVE_IOMMUFD_TEST_PASID
#include "iommufd_test.h"

static int test_cmd(int iommufd, struct iommu_test_cmd *c)
{
	c->size = sizeof(*c);
	return ioctl(iommufd, IOMMU_TEST_CMD, c) ? -errno : 0;
}

int lab_mock_pasid_device(int iommufd, uint32_t ioas_id, uint32_t *stdev_id, uint32_t *rid_hwpt_id,
			  uint32_t *idev_id)
{
	struct iommu_test_cmd c = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.id = ioas_id,
		.mock_domain_flags = { .dev_flags = MOCK_FLAGS_DEVICE_PASID },
	};
	int ret = test_cmd(iommufd, &c);

	if (!ret) {
		*stdev_id = c.mock_domain_flags.out_stdev_id;
		*rid_hwpt_id = c.mock_domain_flags.out_hwpt_id;
		*idev_id = c.mock_domain_flags.out_idev_id;
	}
	return ret;
}

int lab_mock_attach(int iommufd, uint32_t stdev_id, uint32_t pasid, uint32_t pt_id, bool replace)
{
	struct iommu_test_cmd c = { .id = stdev_id };

	if (pasid == LAB_NO_PASID) {
		c.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
		c.mock_domain_replace.pt_id = pt_id;
	} else if (replace) {
		c.op = IOMMU_TEST_OP_PASID_REPLACE;
		c.pasid_replace.pasid = pasid;
		c.pasid_replace.pt_id = pt_id;
	} else {
		c.op = IOMMU_TEST_OP_PASID_ATTACH;
		c.pasid_attach.pasid = pasid;
		c.pasid_attach.pt_id = pt_id;
	}
	return test_cmd(iommufd, &c);
}

int lab_mock_detach(int iommufd, uint32_t stdev_id, uint32_t pasid)
{
	struct iommu_test_cmd c = { .op = IOMMU_TEST_OP_PASID_DETACH, .id = stdev_id,
				    .pasid_detach = { .pasid = pasid } };

	return pasid == LAB_NO_PASID ? -EINVAL : test_cmd(iommufd, &c);
}

int lab_mock_pasid_check(int iommufd, uint32_t stdev_id, uint32_t pasid, uint32_t hwpt_id)
{
	struct iommu_test_cmd c = { .op = IOMMU_TEST_OP_PASID_CHECK_HWPT, .id = stdev_id,
				    .pasid_check = { .pasid = pasid, .hwpt_id = hwpt_id } };

	return test_cmd(iommufd, &c);
}

int lab_mock_check_map(int iommufd, uint32_t hwpt_id, uint64_t iova, uint64_t len, const void *buf)
{
	struct iommu_test_cmd c = { .op = IOMMU_TEST_OP_MD_CHECK_MAP, .id = hwpt_id,
				    .check_map = { .iova = iova, .length = len, .uptr = (uintptr_t)buf } };

	return test_cmd(iommufd, &c);
}
#else
int lab_mock_pasid_device(int iommufd, uint32_t ioas_id, uint32_t *stdev_id, uint32_t *rid_hwpt_id,
			  uint32_t *idev_id)
{
	(void)iommufd; (void)ioas_id; (void)stdev_id; (void)rid_hwpt_id; (void)idev_id;
	return -EOPNOTSUPP;
}
int lab_mock_attach(int iommufd, uint32_t stdev_id, uint32_t pasid, uint32_t pt_id, bool replace)
{
	(void)iommufd; (void)stdev_id; (void)pasid; (void)pt_id; (void)replace;
	return -EOPNOTSUPP;
}
int lab_mock_detach(int iommufd, uint32_t stdev_id, uint32_t pasid)
{
	(void)iommufd; (void)stdev_id; (void)pasid;
	return -EOPNOTSUPP;
}
int lab_mock_pasid_check(int iommufd, uint32_t stdev_id, uint32_t pasid, uint32_t hwpt_id)
{
	(void)iommufd; (void)stdev_id; (void)pasid; (void)hwpt_id;
	return -EOPNOTSUPP;
}
int lab_mock_check_map(int iommufd, uint32_t hwpt_id, uint64_t iova, uint64_t len, const void *buf)
{
	(void)iommufd; (void)hwpt_id; (void)iova; (void)len; (void)buf;
	return -EOPNOTSUPP;
}
#endif
