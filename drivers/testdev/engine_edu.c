// SPDX-License-Identifier: GPL-2.0-only
/*
 * Engine "edu": QEMU's educational PCI device (1234:11e8; registers and
 * limits in lib/drivers/edu/edu_hw.h). A copy is two real DMAs through the
 * (emulated) IOMMU and the device's 4 KiB buffer: memory -> buffer (reads
 * src), then buffer -> memory (writes dst). The second may start only when
 * the first is done, so memcpy_start() issues the first and returns, and
 * memcpy_wait() waits for it, issues the second and waits for that. The
 * device does not report DMA errors: a faulting transfer completes and the
 * fault shows in the IOMMU's fault reporting and in the data.
 */
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include "testdev.h"
#include "edu/edu_hw.h"

/* The second half of the copy memcpy_start() began. */
struct edu {
	u64 dst;
	u32 len;
};

/* Polled, not interrupt driven: a test domain may leave the MSI doorbell
 * unmapped, and completion must not depend on it. */
static int edu_wait_idle(struct testdev *td)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(EDU_DMA_TIMEOUT_MS);

	while (readl(td_regs(td) + EDU_REG_DMA_CMD) & EDU_CMD_RUN) {
		if (time_after(jiffies, deadline))
			return ITD_DMA_TIMEOUT;
		usleep_range(200, 1000);
	}
	return ITD_DMA_OK;
}

/* One DMA between memory and the device buffer, started; 8-byte writes. */
static void edu_dma(struct testdev *td, u64 src, u64 dst, u32 len, u32 cmd)
{
	void __iomem *regs = td_regs(td);

	writeq(src, regs + EDU_REG_DMA_SRC);
	writeq(dst, regs + EDU_REG_DMA_DST);
	writeq(len, regs + EDU_REG_DMA_COUNT);
	writel(cmd | EDU_CMD_RUN, regs + EDU_REG_DMA_CMD);
}

static int edu_memcpy_start(struct testdev *td, u64 src, u64 dst, u32 len, bool with_pasid, u32 pasid)
{
	struct edu *e = td->engine_priv;

	if (with_pasid)
		return -EOPNOTSUPP;
	if (!len || len > EDU_BUF_SIZE)
		return -EINVAL;
	if (edu_wait_idle(td) != ITD_DMA_OK)
		return -EBUSY;
	e->dst = dst;
	e->len = len;
	edu_dma(td, src, EDU_BUF_ADDR, len, 0);
	return 0;
}

static int edu_memcpy_wait(struct testdev *td)
{
	struct edu *e = td->engine_priv;
	int ret = edu_wait_idle(td);

	if (ret != ITD_DMA_OK)
		return ret;
	edu_dma(td, EDU_BUF_ADDR, e->dst, e->len, EDU_CMD_TO_RAM);
	return edu_wait_idle(td);
}

static void edu_quiesce(struct testdev *td)
{
	edu_wait_idle(td);
}

const struct td_engine_ops td_engine_edu = {
	TD_EMULATED_PCI_ENGINE(EDU),
	.priv_size = sizeof(struct edu),
	.memcpy_start = edu_memcpy_start,
	.memcpy_wait = edu_memcpy_wait,
	.quiesce = edu_quiesce,
};
