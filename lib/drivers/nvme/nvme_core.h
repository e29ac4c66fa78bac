/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small NVMe controller driver for DMA tests, written from the NVMe Base
 * Specification 2.0 and the NVM Command Set Specification 1.0 (registers and
 * structures: nvme_hw.h). It drives one controller through BAR 0: reset and
 * enable, the admin queue, Identify, one polled I/O queue pair for data
 * (Read, Write, Compare, with PRP lists) and one I/O queue pair per extra
 * MSI-X vector, whose completions interrupt.
 *
 * It is compiled twice: into iommu_testdev.ko (for drivers/testdev/engine_nvme.c,
 * through drivers/testdev/nvme_core.c) and into the library's userspace
 * engine over VFIO (lib/uengine_nvme.c). So
 * it allocates nothing, takes no lock and calls no OS function: the caller
 * hands it BAR 0 accessors, a clock, a barrier and its control memory, and
 * serialises the calls.
 *
 * Control memory: NVME_CORE_CTRL_SIZE bytes, page aligned, that the
 * controller reaches at ctrl_iova in every domain the function is attached
 * to while the core runs (each engine maps it at that one IOVA in every
 * domain, so a domain change needs no re-initialisation). The queues, the PRP
 * lists, Identify data and a bounce page live there. Data buffers are the
 * caller's IOVAs and are never touched by the CPU here.
 *
 * Errors are negative errno values (EINVAL, ENODEV, ETIMEDOUT, EIO, ...) of
 * <linux/errno.h> in the kernel and <errno.h> in userspace.
 *
 * In the kernel, barrier() is a function-like macro: call the env callback
 * as (env->barrier)(ctx).
 */
#ifndef NVME_CORE_H
#define NVME_CORE_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#endif

#define NVME_CORE_PAGE		4096u		/* CC.MPS = 0: the memory page size used */
#define NVME_CORE_QDEPTH	64u		/* entries of every queue */
#define NVME_CORE_MAX_VECTORS	8u		/* MSI-X vectors the core can raise */
#define NVME_CORE_MAX_LEN	(2u << 20)	/* largest nvme_core_io(), bytes */
#define NVME_CORE_PRP_PAGES	8u		/* PRP list pages (one per command in flight) */
/* admin SQ+CQ, data SQ+CQ, one SQ+CQ per vector above 0, PRP lists, Identify, bounce */
#define NVME_CORE_CTRL_PAGES	(4u + 2u * (NVME_CORE_MAX_VECTORS - 1u) + NVME_CORE_PRP_PAGES + 2u)
#define NVME_CORE_CTRL_SIZE	(NVME_CORE_CTRL_PAGES * NVME_CORE_PAGE)
#define NVME_CORE_PRP_NONE	0xffu		/* prp_of_cid[]: the command has no list */

struct nvme_core_env {
	void *ctx;
	uint32_t (*read32)(void *ctx, uint32_t off);		/* BAR 0 */
	void (*write32)(void *ctx, uint32_t off, uint32_t val);	/* BAR 0 */
	uint64_t (*now_ns)(void *ctx);				/* monotonic */
	void (*delay_us)(void *ctx, uint32_t us);		/* may sleep */
	/* A full barrier: CPU stores to control memory are visible to the
	 * device before the next BAR write, and device writes seen in a
	 * completion entry are visible before the CPU reads the data. */
	void (*barrier)(void *ctx);
};

struct nvme_core_queue {
	uint16_t qid;			/* 0: admin */
	uint16_t sq_tail, cq_head;
	uint16_t next_cid;
	uint8_t phase;			/* the phase tag a new completion carries */
	uint16_t vector;		/* MSI-X vector of the CQ */
	bool irq;			/* the CQ interrupts (else polled only) */
	uint32_t outstanding;		/* commands submitted, not yet completed */
	uint64_t cids;			/* the command ids in flight, one bit each */
};

/* What a finished command or transfer says (nvme_core_result()). */
enum nvme_core_result {
	NVME_CORE_OK,
	NVME_CORE_FAULT,		/* the controller could not move the data (Data Transfer
					 * Error and the like): a DMA that failed */
	NVME_CORE_MISMATCH,		/* Compare Failure: the buffer differs from the media */
	NVME_CORE_REFUSED,		/* the command was refused before any data moved
					 * (invalid field, LBA out of range, ...) */
	NVME_CORE_ERROR,		/* any other status */
};

struct nvme_core {
	const struct nvme_core_env *env;
	uint8_t *ctrl;			/* control memory, CPU view */
	uint64_t ctrl_iova;		/* ... and the controller's */
	/* Read at nvme_core_init(). */
	uint64_t cap;			/* CAP */
	uint32_t vs;			/* VS */
	uint32_t doorbell_stride;	/* bytes, 4 << CAP.DSTRD */
	uint32_t timeout_ms;		/* CAP.TO */
	uint32_t max_xfer;		/* largest command, bytes (MDTS; NVME_CORE_MAX_LEN if none) */
	char model[41], serial[21], firmware[9];	/* Identify Controller, trimmed */
	uint32_t nsid;			/* the first active namespace, 0 if none */
	uint32_t lba_size;		/* its LBA data size, bytes */
	uint64_t nsze;			/* its size, LBAs */
	uint32_t nr_vectors;		/* MSI-X vectors nvme_core_raise() can use */
	uint16_t qdepth;		/* entries of every queue: NVME_CORE_QDEPTH, or
					 * fewer when CAP.MQES says so */
	bool compare;			/* the controller supports Compare (ONCS bit 0) */
	/* State. */
	bool ready;			/* enabled, I/O queues created */
	uint16_t last_status;		/* SCT << 8 | SC of the last failed command, 0 if none */
	uint16_t first_status;		/* of the transfer nvme_core_wait() waits for */
	struct nvme_core_queue admin, data, msi[NVME_CORE_MAX_VECTORS];	/* msi[0] unused: admin */
	/* The started transfer (nvme_core.c's own). */
	struct {
		bool active;		/* started, not yet waited for */
		bool admin;		/* nvme_core_identify_to(): on the admin queue */
		bool failed;		/* a command failed: submit no more */
		uint8_t opcode;
		uint64_t slba, iova;
		uint32_t len, submitted;	/* bytes */
	} xfer;
	uint8_t prp_free;		/* PRP list pages not in use, one bit each */
	uint8_t prp_of_cid[NVME_CORE_QDEPTH];	/* data queue: a command's list page */
};

/*
 * Reset the controller (CC.EN = 0, wait for CSTS.RDY = 0), program the admin
 * queue in control memory, enable it, Identify the controller and its first
 * active namespace (its LBA format), ask for enough I/O queues, and create
 * the polled data queue pair and one interrupting pair for each MSI-X vector
 * 1 .. nr_vectors - 1 (vector 0 is the admin queue's). nr_vectors is capped
 * by NVME_CORE_MAX_VECTORS and by the queues the controller grants.
 * 0; -ENODEV (BAR 0 is not an NVMe controller, or it has no NVM command set);
 * -ETIMEDOUT (CSTS.RDY did not follow CC.EN within CAP.TO, or a command did
 * not complete); -EIO (a command failed: last_status; CSTS.CFS set).
 * Safe to call again at any time to recover a controller.
 */
int nvme_core_init(struct nvme_core *c, const struct nvme_core_env *env, void *ctrl_cpu,
		   uint64_t ctrl_iova, uint32_t nr_vectors);

/* CC.EN = 0 and wait (CAP.TO) for CSTS.RDY = 0: no DMA from the controller
 * after it returns. ready becomes false. */
void nvme_core_disable(struct nvme_core *c);

/*
 * Start one transfer of len bytes between the namespace's LBAs from slba and
 * the buffer at data_iova: opcode NVME_CMD_READ (media -> memory), _WRITE
 * (memory -> media) or _COMPARE (the controller reads memory and compares it
 * with the media). Split into commands of at most max_xfer bytes, each with
 * PRP1/PRP2 or a PRP list in control memory; submitted on the data queue, not
 * waited for (nvme_core_wait()).
 * -EINVAL: len 0, above NVME_CORE_MAX_LEN or not a multiple of lba_size, or
 * data_iova not 4-byte aligned (PRP rule); -ERANGE: LBAs beyond the
 * namespace; -ENODEV: no namespace; -EBUSY: a transfer is still outstanding;
 * -EIO: the controller is not ready (init failed or was not called);
 * -EOPNOTSUPP: NVME_CMD_COMPARE on a controller without Compare (compare).
 */
int nvme_core_io(struct nvme_core *c, uint8_t opcode, uint64_t slba, uint64_t data_iova, uint32_t len);

/*
 * Identify Controller data (4096 bytes) into the buffer at data_iova: a
 * device-to-memory DMA for a controller with no namespace. Started, not
 * waited for, like nvme_core_io() (it runs on the admin queue, whose
 * completion raises MSI-X vector 0).
 * -EINVAL: data_iova not 4-byte aligned; -EBUSY; -EIO: as nvme_core_io().
 */
int nvme_core_identify_to(struct nvme_core *c, uint64_t data_iova);

/*
 * Wait until every command of the started transfer has completed, polling
 * the completion queues (never an interrupt), at most timeout_ms. 0 with the
 * transfer's result (the first failing command's status, in first_status);
 * -ETIMEDOUT if a command did not complete, -EIO if the controller reported
 * a fatal error (CSTS.CFS) or left the bus: either way ready becomes false
 * and the caller resets the controller with nvme_core_init().
 */
int nvme_core_wait(struct nvme_core *c, uint32_t timeout_ms, enum nvme_core_result *result);

/*
 * Make the controller send MSI-X vector `vector` once: a command whose
 * completion interrupts on that vector (vector 0: an admin Get Features;
 * above: a one-LBA Read into the bounce page on that vector's queue pair,
 * or a Flush of all namespaces when there is none), waited for by polling.
 * The interrupt itself is the caller's to count.
 * 0; -EINVAL (vector >= nr_vectors); -EBUSY (vector 0 while an
 * nvme_core_identify_to() is outstanding); -ETIMEDOUT; -EIO (not ready, or
 * the command failed: last_status).
 */
int nvme_core_raise(struct nvme_core *c, uint32_t vector);

/* The result a completion status (SCT << 8 | SC) means. */
enum nvme_core_result nvme_core_result(uint16_t status);
/* A short English name of a completion status, e.g. "Data Transfer Error". */
const char *nvme_core_status_name(uint16_t status);

#endif
