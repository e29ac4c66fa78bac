// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_IOMMU_NO_PASID -- IOMMU_NO_PASID, the name of PASID 0 (6.6+) */
#include <linux/iommu.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	return IOMMU_NO_PASID;
}
MODULE_LICENSE("GPL");
