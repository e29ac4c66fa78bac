// SPDX-License-Identifier: GPL-2.0-only
/*
 * Engine "nvme": any NVMe function (class code 01:08:02), driven by the
 * portable controller driver of lib/drivers/nvme/ (nvme_core.h, compiled in
 * through nvme_core.c here). A real device engine on a lab host, and QEMU's
 * own nvme model in the testbed; its kind is ITD_ENGINE_DEVICE either way.
 *
 * Control memory (queues, PRP lists): pages allocated and mapped with the DMA
 * API at probe, in the default domain; their IOVA is td->engine_window, which
 * domain.c maps at the same IOVA in every test domain, so a domain change
 * needs no controller re-initialisation. With the RID blocked the controller
 * cannot reach its queues: every command is refused with -ENOLINK before
 * anything is issued (ringing a doorbell there would make it fail fatally).
 *
 * The media is never written outside the scratch range the nvme_scratch
 * parameter names for this function ("[BDF@]NSID:LBA+COUNT", read at probe).
 * With one, a copy is a Write of the source into the scratch LBAs, then a
 * Read of them into the destination: the device's DMA on both sides. Without
 * one, copies are refused (-EROFS) and only one-sided transfers run: a Read of
 * the reference range (LBAs from 0; Identify Controller data when there is no
 * namespace) into memory, or a Compare of memory against it.
 *
 * Data commands are polled; the MSI-X vectors are raised only by send_msi
 * (nvme_core_raise()), one interrupting queue pair per vector, and counted
 * here with no acknowledgement.
 */
#include <linux/ctype.h>
#include <linux/delay.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/string.h>
#include "testdev.h"
#include "nvme/nvme_hw.h"
#include "nvme/nvme_core.h"

static char nvme_scratch[256];
module_param_string(nvme_scratch, nvme_scratch, sizeof(nvme_scratch), 0600);
MODULE_PARM_DESC(nvme_scratch,
		 "media the nvme engine may write, read at probe: [BDF@]NSID:LBA+COUNT[,...] (decimal or 0x hex); none: copies are refused");

/* A transfer, or a raise, that has not completed by then is given up and
 * the controller reset. */
#define NVME_ENGINE_TIMEOUT_MS 5000

struct nvme_engine {
	struct nvme_core core;
	struct nvme_core_env env;
	struct page *ctrl;		/* control memory */
	unsigned int order;
	dma_addr_t ctrl_dma;		/* its IOVA in the default domain */
	size_t ctrl_len;
	/* The only LBAs a Write may touch. */
	bool scratch;
	u64 scratch_lba, scratch_count;
	/* The transfer started: where its data is, for a fault record. */
	u64 iova;
	u32 fault_flags;
	int early;			/* a copy's status memcpy_start() already knows
					 * (its Write failed), or -1 */
};

/* --- what the core calls --------------------------------------------------------------------- */

static uint32_t nvme_env_read32(void *ctx, uint32_t off)
{
	return readl(td_regs(ctx) + off);
}

static void nvme_env_write32(void *ctx, uint32_t off, uint32_t val)
{
	writel(val, td_regs(ctx) + off);
}

static uint64_t nvme_env_now_ns(void *ctx)
{
	return ktime_get_ns();
}

/* Commands complete in microseconds: short waits spin, long ones sleep. */
static void nvme_env_delay_us(void *ctx, uint32_t us)
{
	if (us < 20) {
		udelay(us);
		cond_resched();
	} else {
		usleep_range(us, 2 * us);
	}
}

/*
 * CPU stores to control memory reach the device before the next doorbell, and
 * what the device wrote is seen after a completion: on a DMA-coherent
 * function a memory barrier; otherwise the caches are written back and
 * dropped, both ways (the DMA API's syncs are no-ops when coherent).
 */
static void nvme_env_barrier(void *ctx)
{
	struct testdev *td = ctx;
	struct nvme_engine *nv = td->engine_priv;

	dma_sync_single_for_device(td_dev(td), nv->ctrl_dma, nv->ctrl_len, DMA_BIDIRECTIONAL);
	dma_sync_single_for_cpu(td_dev(td), nv->ctrl_dma, nv->ctrl_len, DMA_BIDIRECTIONAL);
	mb();
}

/* --- the scratch range ----------------------------------------------------------------------- */

/* "BDF" names this function: the domain may be left out, case does not matter. */
static bool names_function(struct testdev *td, const char *bdf)
{
	const char *name = pci_name(td->pdev);

	return !strcasecmp(bdf, name) || (!strncmp(name, "0000:", 5) && !strcasecmp(bdf, name + 5));
}

/* A number of the specification: decimal, or hexadecimal after 0x (a leading
 * 0 is decimal, never octal); no sign, no space. */
static int scratch_number(const char *s, u64 *v)
{
	if (!isdigit(*s))
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2])
		return kstrtou64(s, 16, v);
	return kstrtou64(s, 10, v);
}

/* One entry, "[BDF@]NSID:LBA+COUNT": 0 and its fields, or what is wrong. */
static const char *scratch_entry(char *e, char **bdf, u32 *nsid, u64 *lba, u64 *count)
{
	char *at = strchr(e, '@'), *colon, *plus;
	u64 ns;

	*bdf = NULL;
	if (at) {
		*at = 0;
		if (at == e || strchr(e, ' '))
			return "no function before '@'";
		*bdf = e;
		e = at + 1;
	}
	colon = strchr(e, ':');
	plus = colon ? strchr(colon, '+') : NULL;
	if (!colon)
		return "no NSID before ':'";
	if (!plus)
		return "no first LBA before '+'";
	*colon = 0;
	*plus = 0;
	if (scratch_number(e, &ns))
		return "no NSID before ':'";
	if (!ns || ns >= 0xffffffffull)
		return "NSID must be 1 .. 4294967294";
	if (scratch_number(colon + 1, lba))
		return "no first LBA before '+'";
	if (scratch_number(plus + 1, count))
		return "no LBA count after '+'";
	if (!*count)
		return "the LBA count must be at least 1";
	if (*lba + *count < *lba)
		return "the range wraps around";
	*nsid = ns;
	return NULL;
}

/*
 * The scratch range for this function (the same rules as the userspace
 * engine's lab_nvme_scratch_parse()): the first entry naming it, else the
 * first naming no function; checked against its namespace. A malformed
 * entry anywhere, or a range the engine cannot use, leaves it without one
 * (the kernel log says why): never guess where to write.
 */
static void scratch_parse(struct testdev *td, struct nvme_engine *nv)
{
	struct nvme_core *c = &nv->core;
	char spec[sizeof(nvme_scratch)], shown[64], *p, *e, *bdf;
	u64 lba = 0, count = 0, l, n;
	bool named = false, any = false;
	const char *wrong;
	u32 nsid = 0, ns;
	int idx = 0;

	kernel_param_lock(THIS_MODULE);
	strscpy(spec, nvme_scratch, sizeof(spec));
	kernel_param_unlock(THIS_MODULE);
	p = strim(spec);	/* a value written with echo ends in a newline */
	while (p && *p && (e = strsep(&p, ",")) != NULL) {
		idx++;
		e = strim(e);
		strscpy(shown, e, sizeof(shown));	/* parsing cuts e */
		wrong = *e ? scratch_entry(e, &bdf, &ns, &l, &n) : "empty";
		if (!wrong && p && !*p)
			wrong = "empty entry after it";
		if (wrong) {
			pci_warn(td->pdev, "nvme_scratch entry %d \"%s\": %s, not [BDF@]NSID:LBA+COUNT: no scratch range, copies refused\n",
				 idx, shown, wrong);
			return;
		}
		if (named || (bdf && !names_function(td, bdf)) || (!bdf && any))
			continue;
		named = bdf != NULL;
		any = true;
		nsid = ns;
		lba = l;
		count = n;
	}
	if (!any) {
		pci_info(td->pdev, "nvme: no scratch range (nvme_scratch): copies refused, one-sided transfers only, the media is never written\n");
		return;
	}
	if (!c->nsid || nsid != c->nsid) {
		pci_warn(td->pdev, "nvme_scratch: namespace %u, but the engine uses %s%u: no scratch range, copies refused\n",
			 nsid, c->nsid ? "namespace " : "none: ", c->nsid);
		return;
	}
	if (lba + count > c->nsze) {
		pci_warn(td->pdev, "nvme_scratch: LBAs %llu+%llu are beyond namespace %u (%llu LBAs): no scratch range, copies refused\n",
			 lba, count, nsid, c->nsze);
		return;
	}
	nv->scratch = true;
	nv->scratch_lba = lba;
	nv->scratch_count = count;
}

/* --- transfers ------------------------------------------------------------------------------- */

/* Reset the controller: after a command that did not complete, or a failed reset. */
static int nvme_reset(struct testdev *td, const char *why)
{
	struct nvme_engine *nv = td->engine_priv;
	int ret = nvme_core_init(&nv->core, &nv->env, page_address(nv->ctrl), nv->ctrl_dma,
				 max(td->pci->nvec, 1u));

	if (ret) {
		pci_err(td->pdev, "nvme: %s: controller reset failed: %d (status %#x)\n", why, ret,
			nv->core.last_status);
		return ret;
	}
	pci_info(td->pdev, "nvme: %s: controller reset\n", why);
	td->msi_vectors = nv->core.nr_vectors;
	return 0;
}

/*
 * Whether the controller can run a command now: it reaches its queues at the
 * RID (not blocked; a test domain that holds the control memory), and it is
 * ready (a failed reset is tried again).
 */
static int nvme_usable(struct testdev *td)
{
	struct nvme_engine *nv = td->engine_priv;

	if (td->state == ITD_STATE_BLOCKED)
		return -ENOLINK;
	if (td->state == ITD_STATE_DOMAIN && !td->rid_domain->engine_window)
		return -ENOLINK;
	if (!nv->core.ready && nvme_reset(td, "not ready"))
		return -EIO;
	return 0;
}

/* The transfer's length and addresses as ITD_INFO promises them. */
static int nvme_check(struct testdev *td, u64 addrs, u32 len)
{
	if (!len || len > td->dma_max_len || len % td->dma_granule || addrs % td->dma_align)
		return -EINVAL;
	return 0;
}

/* Wait for the started transfer; how it ended, as ITD_DMA says it. */
static int nvme_finish(struct testdev *td)
{
	struct nvme_engine *nv = td->engine_priv;
	struct nvme_core *c = &nv->core;
	enum nvme_core_result res;
	int ret = nvme_core_wait(c, NVME_ENGINE_TIMEOUT_MS, &res);

	if (ret) {
		/* Not done, or the controller failed: the run goes on after a reset. */
		nvme_reset(td, ret == -ETIMEDOUT ? "a transfer did not complete" :
			   "the controller failed during a transfer");
		return ret == -ETIMEDOUT ? ITD_DMA_TIMEOUT : ITD_DMA_ERROR;
	}
	switch (res) {
	case NVME_CORE_OK:
		return ITD_DMA_OK;
	case NVME_CORE_MISMATCH:
		return ITD_DMA_MISMATCH;
	case NVME_CORE_FAULT:
		/* The status does not say which page failed: the transfer's start. */
		td_fault_record(td, nv->iova, nv->fault_flags, 0, ITD_FAULT_SOURCE_ENGINE);
		pci_info_ratelimited(td->pdev, "nvme: %s at IOVA %#llx: DMA fault\n",
				     nvme_core_status_name(c->first_status), nv->iova);
		return ITD_DMA_FAULT;
	default:
		pci_info_ratelimited(td->pdev, "nvme: command failed: %s (status %#x)\n",
				     nvme_core_status_name(c->first_status), c->first_status);
		return ITD_DMA_ERROR;
	}
}

/* Start a command on LBAs [slba, ...) with the data at iova. */
static int nvme_start(struct testdev *td, u8 opcode, u64 slba, u64 iova, u32 len)
{
	struct nvme_engine *nv = td->engine_priv;
	int ret = nvme_core_io(&nv->core, opcode, slba, iova, len);

	nv->iova = iova;
	nv->fault_flags = opcode == NVME_CMD_READ ? ITD_FAULT_WRITE : 0;	/* the device writes memory */
	return ret;
}

/* The Write into the scratch range and its wait, then the Read out of it,
 * started: memcpy_wait() waits for the Read, or reports the failed Write. */
static int nvme_memcpy_start(struct testdev *td, u64 src, u64 dst, u32 len, bool with_pasid, u32 pasid)
{
	struct nvme_engine *nv = td->engine_priv;
	int ret, st;

	if (with_pasid)
		return -EOPNOTSUPP;	/* NVMe functions have no PASID capability */
	ret = nvme_check(td, src | dst, len);
	if (ret)
		return ret;
	if (!nv->scratch)
		return -EROFS;	/* whatever the state: no copy without a place to write */
	if (len > nv->scratch_count * nv->core.lba_size)
		return -EINVAL;
	ret = nvme_usable(td);
	if (ret)
		return ret;
	nv->early = -1;
	ret = nvme_start(td, NVME_CMD_WRITE, nv->scratch_lba, src, len);
	if (ret)
		return ret;
	st = nvme_finish(td);
	if (st != ITD_DMA_OK) {
		nv->early = st;
		return 0;
	}
	return nvme_start(td, NVME_CMD_READ, nv->scratch_lba, dst, len);
}

/* Device to memory: a Read of the reference range, or Identify data; memory
 * to device: a Compare against the reference range. */
static int nvme_oneway_start(struct testdev *td, bool to_device, u64 iova, u32 len)
{
	struct nvme_engine *nv = td->engine_priv;
	int ret = nvme_check(td, iova, len);

	if (!ret)
		ret = nvme_usable(td);
	if (ret)
		return ret;
	nv->early = -1;
	if (to_device)
		return nvme_start(td, NVME_CMD_COMPARE, 0, iova, len);
	if (nv->core.nsid)
		return nvme_start(td, NVME_CMD_READ, 0, iova, len);
	if (len != NVME_IDDATA_SIZE)
		return -EINVAL;
	nv->iova = iova;
	nv->fault_flags = ITD_FAULT_WRITE;
	return nvme_core_identify_to(&nv->core, iova);
}

static int nvme_memcpy_wait(struct testdev *td)
{
	struct nvme_engine *nv = td->engine_priv;
	int st = nv->early;

	if (st >= 0) {
		nv->early = -1;
		return st;
	}
	return nvme_finish(td);
}

/* --- interrupts ------------------------------------------------------------------------------ */

static int nvme_send_msi(struct testdev *td, u32 vector)
{
	struct nvme_engine *nv = td->engine_priv;
	int ret = nvme_usable(td);

	if (ret)
		return ret;
	ret = nvme_core_raise(&nv->core, vector);
	if (ret == -ETIMEDOUT || (ret == -EIO && !nv->core.ready))
		nvme_reset(td, "a command raising an MSI did not complete");
	return ret;
}

/* MSI-X needs no acknowledgement: every interrupt on a vector is one completion's. */
static bool nvme_irq(struct testdev *td, unsigned int vector)
{
	return true;
}

/* --- probe and remove ------------------------------------------------------------------------ */

/* The control memory, mapped with the DMA API; where a test domain must map it too. */
static int nvme_ctrl_alloc(struct testdev *td, struct nvme_engine *nv)
{
	struct device *dev = td_dev(td);
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	nv->ctrl_len = PAGE_ALIGN(NVME_CORE_CTRL_SIZE);
	nv->order = get_order(nv->ctrl_len);
	nv->ctrl = alloc_pages(GFP_KERNEL | __GFP_ZERO, nv->order);
	if (!nv->ctrl)
		return -ENOMEM;
	nv->ctrl_dma = dma_map_page(dev, nv->ctrl, 0, nv->ctrl_len, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, nv->ctrl_dma)) {
		__free_pages(nv->ctrl, nv->order);
		return -ENOMEM;
	}
	/*
	 * A test domain maps these pages at this IOVA: it must be what the
	 * default domain translates it to (not a bounce buffer), and page
	 * aligned for the controller.
	 */
	if ((nv->ctrl_dma & (NVME_CORE_PAGE - 1)) ||
	    (dev->iommu_group && (!dom || iommu_iova_to_phys(dom, nv->ctrl_dma) != page_to_phys(nv->ctrl)))) {
		pci_err(td->pdev, "nvme: control memory at IOVA %pad is not the same pages in every domain (a bounce buffer?)\n",
			&nv->ctrl_dma);
		dma_unmap_page(dev, nv->ctrl_dma, nv->ctrl_len, DMA_BIDIRECTIONAL);
		__free_pages(nv->ctrl, nv->order);
		return -EIO;
	}
	if (dev->iommu_group)
		td->engine_window = (struct td_engine_window){
			.iova = nv->ctrl_dma, .length = nv->ctrl_len, .phys = page_to_phys(nv->ctrl),
			.prot = IOMMU_READ | IOMMU_WRITE | (dev_is_dma_coherent(dev) ? IOMMU_CACHE : 0),
		};
	return 0;
}

static void nvme_ctrl_free(struct testdev *td, struct nvme_engine *nv)
{
	td->engine_window = (struct td_engine_window){};
	dma_unmap_page(td_dev(td), nv->ctrl_dma, nv->ctrl_len, DMA_BIDIRECTIONAL);
	__free_pages(nv->ctrl, nv->order);
}

/* What ITD_INFO reports, from what the controller and the scratch range allow. */
static void nvme_limits(struct testdev *td, struct nvme_engine *nv)
{
	struct nvme_core *c = &nv->core;
	u64 max = NVME_CORE_MAX_LEN;

	td->engine_caps = ITD_ENGINE_CAP_FROM_DEVICE | ITD_ENGINE_CAP_QUEUES;
	if (c->nsid && c->compare)
		td->engine_caps |= ITD_ENGINE_CAP_TO_DEVICE;
	if (nv->scratch)
		td->engine_caps |= ITD_ENGINE_CAP_COPY;
	if (!c->nsid) {
		max = NVME_IDDATA_SIZE;		/* Identify data is all it can move */
	} else {
		max = min_t(u64, max, c->nsze * c->lba_size);
		if (nv->scratch)
			max = min_t(u64, max, nv->scratch_count * c->lba_size);
	}
	td->dma_max_len = max;
	td->dma_granule = c->nsid ? c->lba_size : NVME_IDDATA_SIZE;
	td->dma_align = 4;		/* PRP entries are dword aligned */
	td->msi_vectors = c->nr_vectors;
}

static int nvme_probe(struct testdev *td)
{
	struct nvme_engine *nv = td->engine_priv;
	struct nvme_core *c = &nv->core;
	int ret;

	BUILD_BUG_ON(NVME_CORE_MAX_VECTORS > TD_MSI_VECTORS);
	nv->early = -1;
	nv->env = (struct nvme_core_env){
		.ctx = td, .read32 = nvme_env_read32, .write32 = nvme_env_write32,
		.now_ns = nvme_env_now_ns, .delay_us = nvme_env_delay_us, .barrier = nvme_env_barrier,
	};
	ret = nvme_ctrl_alloc(td, nv);
	if (ret)
		return ret;
	ret = nvme_core_init(c, &nv->env, page_address(nv->ctrl), nv->ctrl_dma, td->pci->nvec);
	if (ret) {
		pci_err(td->pdev, "nvme: the controller did not come up: %d (status %#x)\n", ret,
			c->last_status);
		nvme_ctrl_free(td, nv);
		return ret;
	}
	scratch_parse(td, nv);
	nvme_limits(td, nv);
	pci_info(td->pdev, "nvme: %s (firmware %s), NVMe %u.%u; namespace %u: %llu LBAs of %u bytes; %u MSI vectors; control memory at IOVA %pad\n",
		 c->model, c->firmware, NVME_BAR_VS_MAJOR(c->vs), NVME_BAR_VS_MINOR(c->vs),
		 c->nsid, c->nsze, c->lba_size, c->nr_vectors, &nv->ctrl_dma);
	if (nv->scratch)
		pci_info(td->pdev, "nvme: scratch range: namespace %u, LBAs %llu+%llu (the only media it writes)\n",
			 c->nsid, nv->scratch_lba, nv->scratch_count);
	return 0;
}

/* No DMA after this: the controller disabled (its queues gone). */
static void nvme_quiesce(struct testdev *td)
{
	struct nvme_engine *nv = td->engine_priv;

	nvme_core_disable(&nv->core);
}

static void nvme_remove(struct testdev *td)
{
	nvme_ctrl_free(td, td->engine_priv);
}

const struct td_engine_ops td_engine_nvme = {
	.name = NVME_NAME,
	.kind = ITD_ENGINE_DEVICE,
	.max_len = NVME_CORE_MAX_LEN,
	.dev = { .class_code = NVME_CLASS_CODE, .regs_end = NVME_BAR_MIN_SIZE, .id_mask = 0 },
	.priv_size = sizeof(struct nvme_engine),
	.msix_vectors = NVME_CORE_MAX_VECTORS,
	.probe = nvme_probe,
	.remove = nvme_remove,
	.memcpy_start = nvme_memcpy_start,
	.oneway_start = nvme_oneway_start,
	.memcpy_wait = nvme_memcpy_wait,
	.send_msi = nvme_send_msi,
	.irq = nvme_irq,
	.quiesce = nvme_quiesce,
};
