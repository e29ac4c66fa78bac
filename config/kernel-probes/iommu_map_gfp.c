// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_IOMMU_MAP_GFP -- iommu_map() with a gfp_t (6.3+) */
#include <linux/iommu.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	return iommu_map((struct iommu_domain *)0, 0, 0, 4096, IOMMU_READ, GFP_KERNEL);
}
MODULE_LICENSE("GPL");
