// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_IOMMU_REPLACE_DEVICE_PASID -- iommu_replace_device_pasid() exported to modules */
#include <linux/iommu.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	return iommu_replace_device_pasid((struct iommu_domain *)0, (struct device *)0, 1, (struct iommu_attach_handle *)0);
}
MODULE_LICENSE("GPL");
