// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_IOMMU_SET_FAULT_HANDLER -- iommu_set_fault_handler() on unmanaged domains */
#include <linux/iommu.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	iommu_set_fault_handler((struct iommu_domain *)0, (iommu_fault_handler_t)0, (void *)0);
	return 0;
}
MODULE_LICENSE("GPL");
