// SPDX-License-Identifier: GPL-2.0-only
/*
 * The struct testdev object and what the IOMMU layer says about its PCI
 * function: the group's reserved regions, the PASIDs it may use, the
 * default domain's type. Bottom layer: calls nothing else of the module.
 */
#include <linux/iommu.h>
#include <linux/slab.h>
#include "testdev.h"

/* The last reference went (unbind and every open file closed). */
void td_free(struct kref *ref)
{
	struct testdev *td = container_of(ref, struct testdev, ref);

	kfree(td->misc.name);
	kfree(td->io_misc.name);
	kfree(td->resv);
	kfree(td);
}

u32 td_max_pasids(struct testdev *td)
{
#ifdef HAVE_DEV_IOMMU_MAX_PASIDS
	struct device *dev = td_dev(td);

	return dev->iommu ? dev->iommu->max_pasids : 0;
#else
	return 0;
#endif
}

const char *td_default_domain_name(struct testdev *td)
{
	struct iommu_domain *def = iommu_get_domain_for_dev(td_dev(td));

	if (td->state != ITD_STATE_DEFAULT)
		return "";
	if (!def)
		return "none";
	return def->type == IOMMU_DOMAIN_IDENTITY ? "identity" :
	       def->type == IOMMU_DOMAIN_DMA_FQ ? "DMA-FQ" :
	       def->type == IOMMU_DOMAIN_DMA ? "DMA" : "other";
}

/*
 * The group's reserved regions, read once at probe (ITD_MAP checks them on
 * every call): the ranges ITD_MAP refuses, and the software-managed MSI
 * window (Arm), where the module's own domains get an MSI cookie so the
 * doorbell is mapped in them as in the default domain. The group's regions
 * are what sysfs reserved_regions shows; the per-device getter is not
 * exported by every kernel we build for.
 */
int td_read_resv(struct testdev *td)
{
	struct iommu_group *group = iommu_group_get(td_dev(td));
	struct iommu_resv_region *r, *next;
	LIST_HEAD(regions);
	unsigned int n = 0;
	int ret;

	td->nresv = 0;
	td->sw_msi = false;
	if (!group)
		return 0;
	ret = iommu_get_group_resv_regions(group, &regions);
	list_for_each_entry(r, &regions, list)
		n++;
	td->resv = ret || !n ? NULL : kcalloc(n, sizeof(*td->resv), GFP_KERNEL);
	if (!ret && n && !td->resv)
		ret = -ENOMEM;
	list_for_each_entry_safe(r, next, &regions, list) {
		/* Like iommufd, leave the relaxable direct-mapped regions free. */
		if (td->resv && r->length && r->type != IOMMU_RESV_DIRECT_RELAXABLE)
			td->resv[td->nresv++] = (struct td_resv){ r->start, r->start + r->length - 1 };
		if (r->type == IOMMU_RESV_SW_MSI) {
			td->sw_msi = true;
			td->sw_msi_base = r->start;
		}
		list_del(&r->list);
		kfree(r);	/* copies made for the caller */
	}
	iommu_group_put(group);
	return ret;
}
