// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_IOMMU_DOMAIN_ALLOC_BUS -- iommu_domain_alloc(bus) (removed in 6.13) */
#include <linux/iommu.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	return !iommu_domain_alloc((const struct bus_type *)0);
}
MODULE_LICENSE("GPL");
