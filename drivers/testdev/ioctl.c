// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioctl dispatch. Every argument begins with size and flags: size below the
 * first version of the structure is -EINVAL; a larger size is fine when the
 * unknown tail is zero (copy_struct_from_user gives -E2BIG otherwise).
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/uaccess.h>
#include "testdev.h"

static void set_geometry(struct itd_info *info, const struct iommu_domain *dom)
{
	info->pgsize_bitmap = dom->pgsize_bitmap;
	info->aperture_start = dom->geometry.aperture_start;
	info->aperture_end = dom->geometry.aperture_end;
}

static int td_info(struct testdev *td, struct itd_info *info)
{
	struct device *dev = &td->pdev->dev;
	struct iommu_domain *def = iommu_get_domain_for_dev(dev);
	struct itd_domain_alloc probe = { .size = sizeof(probe) };

	if (info->flags)
		return -EOPNOTSUPP;
	info->api_version = ITD_API_VERSION;
	info->engine_kind = td->engine ? td->engine->kind : ITD_ENGINE_SOFTWARE;
	strscpy(info->engine, td->engine ? td->engine->name : "", sizeof(info->engine));
	info->state = td->state;
	info->rid_domain = td->rid_domain ? td->rid_domain->id : 0;
	info->max_pasids = td_max_pasids(td);
	info->dma_max_len = td->engine ? td->engine->max_len : 0;
	if (def)
		strscpy(info->iommu_domain_type, td_default_domain_name(td), sizeof(info->iommu_domain_type));
	/* Page sizes and aperture as a paging domain for this device has them:
	 * the attached one, or a throwaway one. None without an IOMMU. */
	if (td->rid_domain) {
		set_geometry(info, td->rid_domain->domain);
	} else if (dev->iommu_group && !td_domain_alloc(td, &probe)) {
		struct td_domain *d = xa_load(&td->domains, probe.domain_id);

		set_geometry(info, d->domain);
		td_domain_free(td, probe.domain_id);
	}
	return 0;
}

static int td_faults(struct testdev *td, struct itd_faults *f)
{
	struct itd_fault __user *u = u64_to_user_ptr(f->uptr);
	struct itd_fault recs[16];
	unsigned long irqflags;
	u32 n, done = 0;

	if (f->flags)
		return -EOPNOTSUPP;
	while (done < f->count) {
		spin_lock_irqsave(&td->fault_lock, irqflags);
		n = min3(f->count - done, td->fault_count, (u32)ARRAY_SIZE(recs));
		for (u32 i = 0; i < n; i++)
			recs[i] = td->faults[(td->fault_head + i) % TD_FAULT_RING];
		td->fault_head = (td->fault_head + n) % TD_FAULT_RING;
		td->fault_count -= n;
		spin_unlock_irqrestore(&td->fault_lock, irqflags);
		if (!n)
			break;
		if (copy_to_user(u + done, recs, n * sizeof(recs[0])))
			return -EFAULT;
		done += n;
	}
	spin_lock_irqsave(&td->fault_lock, irqflags);
	f->lost = td->fault_lost;
	td->fault_lost = 0;
	spin_unlock_irqrestore(&td->fault_lock, irqflags);
	f->count = done;
	return 0;
}

/* Copy in an argument whose first version is MINSZ bytes. */
int td_get_arg(void *karg, size_t ksize, size_t minsz, void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < minsz)
		return -EINVAL;
	return copy_struct_from_user(karg, ksize, uarg, usize);
}

/*
 * Raise MSIs through the device, one at a time: a device raises an MSI when
 * its interrupt status goes from clear to set, so a second raise before the
 * handler acknowledged the first would merge with it. Each raise waits for
 * its delivery (or the deadline). Polled with the lock held: the handler
 * only counts, it never takes the lock.
 */
static int td_msi(struct testdev *td, struct itd_msi *m)
{
	unsigned long deadline;
	int start, i, ret;

	if (m->flags)
		return -EOPNOTSUPP;
	if (!td->engine || !td->engine->send_msi)
		return -EOPNOTSUPP;
	if (!m->count || m->count > ITD_MSI_MAX || m->timeout_ms > 60000)
		return -EINVAL;
	deadline = jiffies + msecs_to_jiffies(m->timeout_ms ? m->timeout_ms : 1000);
	start = atomic_read(&td->msi_count);
	for (i = 0; i < m->count; i++) {
		ret = td->engine->send_msi(td);
		if (ret)
			return ret;
		while (atomic_read(&td->msi_count) - start < i + 1 && time_before(jiffies, deadline))
			usleep_range(50, 200);
	}
	msleep(ITD_MSI_SETTLE_MS);	/* time for a duplicate to show */
	m->delivered = atomic_read(&td->msi_count) - start;
	return 0;
}

/* Copy out no more than the caller's size. */
int td_put_arg(void __user *uarg, const void *karg, size_t ksize)
{
	u32 usize = *(const u32 *)karg;

	return copy_to_user(uarg, karg, min_t(size_t, usize, ksize)) ? -EFAULT : 0;
}

long td_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct testdev *td = file->private_data;
	void __user *uarg = (void __user *)arg;
	union {
		struct itd_info info;
		struct itd_buf_alloc buf_alloc;
		struct itd_buf_free buf_free;
		struct itd_buf_rw buf_rw;
		struct itd_domain_alloc dom_alloc;
		struct itd_domain_free dom_free;
		struct itd_attach attach;
		struct itd_map map;
		struct itd_dma dma;
		struct itd_faults faults;
		struct itd_msi msi;
	} a;
	size_t sz;
	bool out = false;
	int ret;

	switch (cmd) {
	case ITD_INFO: sz = sizeof(a.info); out = true; break;
	case ITD_BUF_ALLOC: sz = sizeof(a.buf_alloc); out = true; break;
	case ITD_BUF_FREE: sz = sizeof(a.buf_free); break;
	case ITD_BUF_RW: sz = sizeof(a.buf_rw); break;
	case ITD_DOMAIN_ALLOC: sz = sizeof(a.dom_alloc); out = true; break;
	case ITD_DOMAIN_FREE: sz = sizeof(a.dom_free); break;
	case ITD_ATTACH: case ITD_DETACH: sz = sizeof(a.attach); break;
	case ITD_MAP: case ITD_UNMAP: sz = sizeof(a.map); break;
	case ITD_DMA: sz = sizeof(a.dma); out = true; break;
	case ITD_FAULTS: sz = sizeof(a.faults); out = true; break;
	case ITD_MSI: sz = sizeof(a.msi); out = true; break;
	default: return -ENOTTY;
	}
	memset(&a, 0, sizeof(a));
	ret = td_get_arg(&a, sz, sz, uarg);
	if (ret)
		return ret;

	mutex_lock(&td->lock);
	if (td->dead) {
		ret = -ENODEV;
		goto out;
	}
	switch (cmd) {
	case ITD_INFO: ret = td_info(td, &a.info); break;
	case ITD_BUF_ALLOC: ret = td_buf_alloc(td, &a.buf_alloc); break;
	case ITD_BUF_FREE: ret = a.buf_free.flags ? -EOPNOTSUPP : td_buf_free(td, a.buf_free.buf_id); break;
	case ITD_BUF_RW: ret = td_buf_rw(td, &a.buf_rw); break;
	case ITD_DOMAIN_ALLOC: ret = td_domain_alloc(td, &a.dom_alloc); break;
	case ITD_DOMAIN_FREE:
		ret = a.dom_free.flags ? -EOPNOTSUPP : td_domain_free(td, a.dom_free.domain_id);
		break;
	case ITD_ATTACH: ret = td_attach(td, &a.attach); break;
	case ITD_DETACH: ret = td_detach(td, &a.attach); break;
	case ITD_MAP: ret = td_map(td, &a.map); break;
	case ITD_UNMAP: ret = td_unmap(td, &a.map); break;
	case ITD_DMA: ret = td_dma(td, &a.dma); break;
	case ITD_FAULTS: ret = td_faults(td, &a.faults); break;
	case ITD_MSI: ret = td_msi(td, &a.msi); break;
	}
out:
	mutex_unlock(&td->lock);
	if (!ret && out)
		ret = td_put_arg(uarg, &a, sz);
	return ret;
}
