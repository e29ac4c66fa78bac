// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_IOMMU_ATTACH_DEVICE_PASID_HANDLE -- iommu_attach_device_pasid(domain, dev, pasid, handle) (6.11+) */
#include <linux/iommu.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	return iommu_attach_device_pasid((struct iommu_domain *)0, (struct device *)0, 1, (struct iommu_attach_handle *)0);
}
MODULE_LICENSE("GPL");
