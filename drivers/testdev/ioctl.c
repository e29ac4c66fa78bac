// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control node, /dev/iommu-testdev/<BDF>: open (one opener at a time,
 * root with CAP_SYS_RAWIO), release (the open file's state torn down), and
 * its ioctl table. The handlers of ITD_INFO, ITD_FAULTS and ITD_MSI live
 * here; the others are the state and DMA layers' calls, adapted to the
 * table's signature. Top layer: calls every layer below, nothing calls it
 * but the VFS and main.c (which registers td_fops).
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include "testdev.h"

static void set_geometry(struct itd_info *info, const struct iommu_domain *dom)
{
	info->pgsize_bitmap = dom->pgsize_bitmap;
	info->aperture_start = dom->geometry.aperture_start;
	info->aperture_end = dom->geometry.aperture_end;
}

static int td_info(struct testdev *td, void *arg)
{
	struct itd_info *info = arg;
	struct device *dev = td_dev(td);
	struct itd_domain_alloc probe = { .size = sizeof(probe) };

	if (info->flags)
		return -EOPNOTSUPP;
	info->api_version = ITD_API_VERSION;
	info->engine_kind = td->engine ? td->engine->kind : ITD_ENGINE_SOFTWARE;
	strscpy(info->engine, td->engine ? td->engine->name : "", sizeof(info->engine));
	info->state = td->state;
	info->rid_domain = td->rid_domain ? td->rid_domain->id : 0;
	info->max_pasids = td_max_pasids(td);
	if (td->engine) {
		info->dma_max_len = td->dma_max_len;
		info->msi_vectors = td->msi_vectors;
		info->dma_granule = td->dma_granule;
		info->dma_align = td->dma_align;
		info->engine_caps = td->engine_caps;
		info->engine_iova_start = td->engine_window.iova;
		info->engine_iova_length = td->engine_window.length;
	}
	if (iommu_get_domain_for_dev(dev))
		strscpy(info->iommu_domain_type, td_default_domain_name(td), sizeof(info->iommu_domain_type));
	/* Page sizes and aperture as a paging domain for this device has them:
	 * the attached one, or a throwaway one. None without an IOMMU. */
	if (td->rid_domain) {
		set_geometry(info, td->rid_domain->domain);
	} else if (dev->iommu_group) {
		struct td_domain *d;
		int ret = td_domain_alloc(td, &probe);

		/* Out of memory is an error: page sizes 0 would say "no IOMMU". */
		if (ret == -ENOMEM)
			return ret;
		if (ret)
			return 0;
		d = xa_load(&td->domains, probe.domain_id);
		set_geometry(info, d->domain);
		td_obj_free(td, &td->domains, probe.domain_id, &td_domain_ops);
	}
	return 0;
}

static int td_faults(struct testdev *td, void *arg)
{
	struct itd_faults *f = arg;
	struct itd_fault __user *u = u64_to_user_ptr(f->uptr);
	struct itd_fault recs[16];
	u32 n, done = 0;

	if (f->flags)
		return -EOPNOTSUPP;
	while (done < f->count) {
		n = td_faults_take(td, recs, min_t(u32, f->count - done, ARRAY_SIZE(recs)));
		if (!n)
			break;
		if (copy_to_user(u + done, recs, n * sizeof(recs[0])))
			return -EFAULT;
		done += n;
	}
	f->lost = td_faults_lost(td);
	f->count = done;
	return 0;
}

/*
 * Raise MSIs on one vector through the device, one at a time: a device
 * raises an MSI when its interrupt status goes from clear to set (or, for
 * MSI-X, when it posts a completion), so a second raise before the first was
 * taken could merge with it. Each raise waits for its delivery (or the
 * deadline). Polled with the lock held: the handler only counts, it never
 * takes the lock. The other vectors are watched meanwhile: an interrupt
 * there is one the device sent to the wrong vector.
 */
static int td_msi(struct testdev *td, void *arg)
{
	struct itd_msi *m = arg;
	int start[TD_MSI_VECTORS], i, ret;
	atomic_t *count;
	unsigned long deadline;

	if (m->flags)
		return -EOPNOTSUPP;
	if (!td->engine || !td->engine->send_msi)
		return -EOPNOTSUPP;
	if (!m->count || m->count > ITD_MSI_MAX || m->timeout_ms > 60000 || m->vector >= td->msi_vectors)
		return -EINVAL;
	count = &td->msi_count[m->vector];
	deadline = jiffies + msecs_to_jiffies(m->timeout_ms ? m->timeout_ms : 1000);
	for (i = 0; i < TD_MSI_VECTORS; i++)
		start[i] = atomic_read(&td->msi_count[i]);
	for (i = 0; i < m->count; i++) {
		ret = td->engine->send_msi(td, m->vector);
		if (ret)
			return ret;
		while (atomic_read(count) - start[m->vector] < i + 1 && time_before(jiffies, deadline))
			usleep_range(50, 200);
	}
	msleep(ITD_MSI_SETTLE_MS);	/* time for a duplicate to show */
	m->delivered = atomic_read(count) - start[m->vector];
	m->others = 0;
	for (i = 0; i < TD_MSI_VECTORS; i++)
		if (i != m->vector)
			m->others += atomic_read(&td->msi_count[i]) - start[i];
	return 0;
}

/* The state and DMA layers' calls, with the table's signature. */
#define TD_UCMD(_name, _fn, _struct) \
	static int _name(struct testdev *td, void *arg) { return _fn(td, (_struct *)arg); }
TD_UCMD(td_ucmd_buf_alloc, td_buf_alloc, struct itd_buf_alloc)
TD_UCMD(td_ucmd_buf_rw, td_buf_rw, struct itd_buf_rw)
TD_UCMD(td_ucmd_buf_dma_unmap, td_buf_dma_unmap, struct itd_buf_dma_unmap)
TD_UCMD(td_ucmd_domain_alloc, td_domain_alloc, struct itd_domain_alloc)
TD_UCMD(td_ucmd_attach, td_attach, struct itd_attach)
TD_UCMD(td_ucmd_detach, td_detach, struct itd_attach)
TD_UCMD(td_ucmd_map, td_map, struct itd_map)
TD_UCMD(td_ucmd_unmap, td_unmap, struct itd_map)
TD_UCMD(td_ucmd_dma, td_dma, struct itd_dma)

static int td_ucmd_buf_free(struct testdev *td, void *arg)
{
	struct itd_buf_free *a = arg;

	return a->flags ? -EOPNOTSUPP : td_obj_free(td, &td->bufs, a->buf_id, &td_buf_ops);
}

static int td_ucmd_domain_free(struct testdev *td, void *arg)
{
	struct itd_domain_free *a = arg;

	return a->flags ? -EOPNOTSUPP : td_obj_free(td, &td->domains, a->domain_id, &td_domain_ops);
}

/*
 * The commands. The last field named is the last of the structure's first
 * version: when a structure grows, it stays as it is, so callers built
 * against the older header keep working (testdev_uapi checks it).
 */
static const struct td_ioctl_op td_ctl_ops[] = {
	TD_IOCTL_OP(ITD_INFO, td_info, struct itd_info, aperture_end, true),
	TD_IOCTL_OP(ITD_BUF_ALLOC, td_ucmd_buf_alloc, struct itd_buf_alloc, dma_addr, true),
	TD_IOCTL_OP(ITD_BUF_FREE, td_ucmd_buf_free, struct itd_buf_free, __reserved, false),
	TD_IOCTL_OP(ITD_BUF_RW, td_ucmd_buf_rw, struct itd_buf_rw, uptr, false),
	TD_IOCTL_OP(ITD_DOMAIN_ALLOC, td_ucmd_domain_alloc, struct itd_domain_alloc, __reserved, true),
	TD_IOCTL_OP(ITD_DOMAIN_FREE, td_ucmd_domain_free, struct itd_domain_free, __reserved, false),
	TD_IOCTL_OP(ITD_ATTACH, td_ucmd_attach, struct itd_attach, pasid, false),
	TD_IOCTL_OP(ITD_DETACH, td_ucmd_detach, struct itd_attach, pasid, false),
	TD_IOCTL_OP(ITD_MAP, td_ucmd_map, struct itd_map, buf_offset, false),
	TD_IOCTL_OP(ITD_UNMAP, td_ucmd_unmap, struct itd_map, buf_offset, false),
	TD_IOCTL_OP(ITD_DMA, td_ucmd_dma, struct itd_dma, duration_ns, true),
	TD_IOCTL_OP(ITD_FAULTS, td_faults, struct itd_faults, uptr, true),
	TD_IOCTL_OP(ITD_MSI, td_msi, struct itd_msi, __reserved, true),
	TD_IOCTL_OP(ITD_BUF_DMA_UNMAP, td_ucmd_buf_dma_unmap, struct itd_buf_dma_unmap, __reserved, false),
};

static long td_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return td_ioctl_dispatch(file->private_data, td_ctl_ops, ARRAY_SIZE(td_ctl_ops), cmd,
				 (void __user *)arg);
}

/* One opener at a time: the open file owns the state. */
static int ctl_claim(struct testdev *td)
{
	if (td->open)
		return -EBUSY;
	td->open = true;
	return 0;
}

static int td_open(struct inode *inode, struct file *file)
{
	return td_node_open(file, container_of(file->private_data, struct testdev, misc), ctl_claim);
}

static int td_release(struct inode *inode, struct file *file)
{
	struct testdev *td = file->private_data;

	mutex_lock(&td->lock);
	if (!td->dead)
		td_teardown(td);
	td->open = false;
	mutex_unlock(&td->lock);
	kref_put(&td->ref, td_free);
	return 0;
}

const struct file_operations td_fops = {
	.owner = THIS_MODULE,
	.open = td_open,
	.release = td_release,
	.unlocked_ioctl = td_ioctl,
	.compat_ioctl = compat_ptr_ioctl,	/* the structures have one layout on every ABI */
	.llseek = noop_llseek,
};
