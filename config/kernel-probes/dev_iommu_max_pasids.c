// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_DEV_IOMMU_MAX_PASIDS -- struct dev_iommu.max_pasids (6.2+) */
#include <linux/iommu.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	struct dev_iommu d = { .max_pasids = 1 };

	return d.max_pasids;
}
MODULE_LICENSE("GPL");
