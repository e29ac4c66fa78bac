// SPDX-License-Identifier: GPL-2.0-only
/*
 * The I/O node, /dev/iommu-testdev/io/<BDF>: an I/O path stock tools drive
 * (fio with psync or io_uring, the engines `iommu-lab perf` runs). The
 * function's "storage" is a DMA-coherent buffer of io_store_kib KiB,
 * allocated at the first open and kept until unbind; a write moves the
 * caller's bytes into it, a read moves them out, both by the device's
 * engine. Each request pins the caller's pages, maps them with the DMA API
 * (dma_map_sgtable: the kernel's default domain for the function, strict,
 * lazy or identity) and unmaps them when the engine is done: the map/unmap
 * cost a driver pays per I/O, timed here and reported by ITD_IO_STATS.
 *
 * Unlike the control node it may be opened many times (fio's jobs). It works
 * only while the function is on its default domain (ITD_STATE_DEFAULT) and
 * has a device engine: the software engine moves nothing by DMA.
 */
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rwsem.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include "testdev.h"

static unsigned int io_store_kib = 4096;
module_param(io_store_kib, uint, 0444);
MODULE_PARM_DESC(io_store_kib, "size of each function's I/O store, KiB (a multiple of 4, at most 65536)");

/* Pages pinned per step of a request: bounds the pinned memory per caller. */
#define TD_IO_STEP_PAGES 256

static u64 store_len(void)
{
	return (u64)io_store_kib << 10;
}

static struct testdev *io_td(struct file *file)
{
	return file->private_data;
}

/* Any number of openers; the store is allocated at the first open. */
static int io_claim(struct testdev *td)
{
	if (!td->engine)
		return -EOPNOTSUPP;	/* nothing would move the bytes by DMA */
	if (!td->io_store)
		td->io_store = dma_alloc_coherent(&td->pdev->dev, store_len(), &td->io_store_dma,
						  GFP_KERNEL | __GFP_NOWARN);
	return td->io_store ? 0 : -ENOMEM;
}

static int td_io_open(struct inode *inode, struct file *file)
{
	return td_node_open(file, container_of(file->private_data, struct testdev, io_misc), io_claim);
}

/* Called with td->lock held at unbind: the store keeps its bytes from one
 * open to the next (fio reopens the file to verify what it wrote). */
void td_io_free_store(struct testdev *td)
{
	if (!td->io_store)
		return;
	dma_free_coherent(&td->pdev->dev, store_len(), td->io_store, td->io_store_dma);
	td->io_store = NULL;
}

static int td_io_release(struct inode *inode, struct file *file)
{
	kref_put(&io_td(file)->ref, td_free);
	return 0;
}

/* Engine copies for one mapped request, in pieces the engine takes. */
static int io_transfer(struct testdev *td, struct sg_table *sgt, u64 store_off, bool to_store)
{
	const struct td_engine_ops *e = td->engine;
	struct scatterlist *sg;
	int i, ret;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		dma_addr_t addr = sg_dma_address(sg);
		u32 left = sg_dma_len(sg);

		while (left) {
			u32 n = min(left, td->dma_max_len);
			u64 store = td->io_store_dma + store_off;

			ret = e->memcpy_start(td, to_store ? addr : store, to_store ? store : addr, n, false, 0);
			if (!ret)
				ret = e->memcpy_wait(td);
			if (ret)
				return ret < 0 ? ret : -EIO;	/* a fault or engine error is an I/O error */
			addr += n;
			store_off += n;
			left -= n;
		}
	}
	return 0;
}

/* The caller's pages for at most LEN bytes (and TD_IO_STEP_PAGES pages) of ITER. */
static ssize_t io_get_pages(struct iov_iter *iter, struct page ***pages, size_t len, size_t *offset,
			    bool *pinned)
{
#ifdef HAVE_IOV_ITER_EXTRACT_PAGES
	*pinned = iov_iter_extract_will_pin(iter);
	return iov_iter_extract_pages(iter, pages, len, TD_IO_STEP_PAGES, 0, offset);
#else
	/* Before 6.3: page references instead of pins. */
	*pinned = false;
	return iov_iter_get_pages_alloc2(iter, pages, min_t(size_t, len, (TD_IO_STEP_PAGES - 1) * PAGE_SIZE),
					 offset);
#endif
}

static void io_put_pages(struct page **pages, unsigned int n, bool pinned)
{
	if (pinned)
		unpin_user_pages(pages, n);
#ifndef HAVE_IOV_ITER_EXTRACT_PAGES
	else
		for (unsigned int i = 0; i < n; i++)
			put_page(pages[i]);
#endif
	kvfree(pages);
}

/* One step: at most TD_IO_STEP_PAGES of the caller's pages. Bytes moved or -errno. */
static ssize_t io_step(struct testdev *td, struct iov_iter *iter, u64 pos, size_t len, bool to_store)
{
	enum dma_data_direction dir = to_store ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	struct device *dev = &td->pdev->dev;
	struct page **pages = NULL;
	struct sg_table sgt;
	u64 t0, t1, t2, t3;
	size_t offset;
	ssize_t got;
	unsigned int npages;
	bool pinned;
	int ret;

	/* Held across map, transfer and unmap: unbind waits for the step. */
	down_read(&td->io_rwsem);
	if (READ_ONCE(td->dead)) {
		up_read(&td->io_rwsem);
		return -ENODEV;
	}
	got = io_get_pages(iter, &pages, len, &offset, &pinned);
	if (got <= 0) {
		kvfree(pages);	/* the array may have been allocated before the pin failed */
		up_read(&td->io_rwsem);
		return got ? got : -EFAULT;
	}
	npages = DIV_ROUND_UP(offset + got, PAGE_SIZE);
	ret = sg_alloc_table_from_pages(&sgt, pages, npages, offset, got, GFP_KERNEL);
	if (ret)
		goto out_pages;
	t0 = ktime_get_ns();
	ret = dma_map_sgtable(dev, &sgt, dir, 0);
	t1 = ktime_get_ns();
	if (ret)
		goto out_sgt;

	mutex_lock(&td->lock);
	if (td->state != ITD_STATE_DEFAULT)
		ret = -EBUSY;	/* a test domain holds the RID: these IOVAs mean nothing there */
	else
		ret = io_transfer(td, &sgt, pos, to_store);
	mutex_unlock(&td->lock);

	t2 = ktime_get_ns();
	dma_unmap_sgtable(dev, &sgt, dir, 0);
	t3 = ktime_get_ns();
	if (!ret) {
		spin_lock(&td->io_stats_lock);
		td->io_stats.ios++;
		td->io_stats.bytes += got;
		td->io_stats.segments += sgt.orig_nents;	/* entries mapped, as dma_map_benchmark counts */
		td->io_stats.map_ns += t1 - t0;
		td->io_stats.map_ns_sq += (t1 - t0) * (t1 - t0);
		td->io_stats.unmap_ns += t3 - t2;
		td->io_stats.unmap_ns_sq += (t3 - t2) * (t3 - t2);
		td->io_stats.engine_ns += t2 - t1;
		spin_unlock(&td->io_stats_lock);
	}
out_sgt:
	sg_free_table(&sgt);
out_pages:
	io_put_pages(pages, npages, pinned);
	up_read(&td->io_rwsem);
	if (ret) {
		iov_iter_revert(iter, got);
		return ret;
	}
	return got;
}

static ssize_t td_io_rw(struct kiocb *iocb, struct iov_iter *iter, bool to_store)
{
	struct testdev *td = io_td(iocb->ki_filp);
	u64 pos = iocb->ki_pos, end;
	size_t done = 0, len = iov_iter_count(iter);

	if (iocb->ki_pos < 0)
		return -EINVAL;
	if (pos >= store_len() || !len)
		return to_store && len ? -ENOSPC : 0;
	end = min_t(u64, pos + len, store_len());
	while (pos + done < end) {
		ssize_t n = io_step(td, iter, pos + done, end - pos - done, to_store);

		if (n < 0) {
			if (!done)
				return n;
			break;	/* report what moved; the next call gets the error */
		}
		done += n;
		if (fatal_signal_pending(current))
			break;
	}
	iocb->ki_pos += done;
	return done;
}

static ssize_t td_io_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	return td_io_rw(iocb, to, false);
}

static ssize_t td_io_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	return td_io_rw(iocb, from, true);
}

static loff_t td_io_llseek(struct file *file, loff_t off, int whence)
{
	return fixed_size_llseek(file, off, whence, store_len());
}

/* ITD_IO_STATS; under td->lock (the dispatcher's), the counters under their own. */
static int td_io_stats(struct testdev *td, void *arg)
{
	struct itd_io_stats *s = arg;

	if (s->flags & ~ITD_IO_STATS_RESET)
		return -EOPNOTSUPP;
	strscpy(s->engine, td->engine->name, sizeof(s->engine));
	s->engine_kind = td->engine->kind;
	strscpy(s->iommu_domain_type, td_default_domain_name(td), sizeof(s->iommu_domain_type));
	s->store_len = store_len();

	spin_lock(&td->io_stats_lock);
	s->ios = td->io_stats.ios;
	s->bytes = td->io_stats.bytes;
	s->segments = td->io_stats.segments;
	s->map_ns = td->io_stats.map_ns;
	s->map_ns_sq = td->io_stats.map_ns_sq;
	s->unmap_ns = td->io_stats.unmap_ns;
	s->unmap_ns_sq = td->io_stats.unmap_ns_sq;
	s->engine_ns = td->io_stats.engine_ns;
	if (s->flags & ITD_IO_STATS_RESET)
		memset(&td->io_stats, 0, sizeof(td->io_stats));
	spin_unlock(&td->io_stats_lock);
	return 0;
}

/* The I/O node's commands (the last field named: the structure's first version's). */
static const struct td_ioctl_op td_io_ops[] = {
	TD_IOCTL_OP(ITD_IO_STATS, td_io_stats, struct itd_io_stats, engine_ns, true),
};

static long td_io_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return td_ioctl_dispatch(io_td(file), td_io_ops, ARRAY_SIZE(td_io_ops), cmd, (void __user *)arg);
}

static const struct file_operations td_io_fops = {
	.owner = THIS_MODULE,
	.open = td_io_open,
	.release = td_io_release,
	.read_iter = td_io_read_iter,
	.write_iter = td_io_write_iter,
	.llseek = td_io_llseek,
	.unlocked_ioctl = td_io_ioctl,
	.compat_ioctl = compat_ptr_ioctl,	/* one layout on every ABI */
};

int td_io_register(struct testdev *td)
{
	int ret;

	if (!io_store_kib || io_store_kib % 4 || io_store_kib > 65536) {
		pci_err(td->pdev, "io_store_kib=%u: must be a multiple of 4 in 4..65536\n", io_store_kib);
		return -EINVAL;
	}
	spin_lock_init(&td->io_stats_lock);
	init_rwsem(&td->io_rwsem);
	td->io_misc.minor = MISC_DYNAMIC_MINOR;
	td->io_misc.mode = 0600;
	td->io_misc.fops = &td_io_fops;
	td->io_misc.name = kasprintf(GFP_KERNEL, "iommu-testdev!io!%s", pci_name(td->pdev));
	ret = td->io_misc.name ? misc_register(&td->io_misc) : -ENOMEM;
	if (ret)
		td->io_misc.fops = NULL;	/* not registered: nothing to deregister (the name goes with td) */
	return ret;
}
