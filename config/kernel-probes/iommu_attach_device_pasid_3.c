// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_IOMMU_ATTACH_DEVICE_PASID_3 -- iommu_attach_device_pasid(domain, dev, pasid) (6.2 to 6.10) */
#include <linux/iommu.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	return iommu_attach_device_pasid((struct iommu_domain *)0, (struct device *)0, 1);
}
MODULE_LICENSE("GPL");
