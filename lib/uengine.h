/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace DMA engines: a device's own DMA driven through its BAR from a
 * test, over VFIO, one file per device (lib/uengine_<dev>.c) for a device
 * described in lib/drivers/<dev>/. DMA goes through whatever the caller
 * attached to the device's RID or PASID via iommufd. The contract is the
 * module's (drivers/testdev/testdev.h, struct td_engine_ops):
 *
 * memcpy_start() / pair_start() / read_start() / compare_start() check the
 * request and hand it to the device: on return 0 the device has accepted it
 * and the transfer is in flight or already done; they do not wait for
 * completion. They fail, with nothing issued, with -EINVAL (length 0, above
 * max_len or not a multiple of the engine's granule), -EOPNOTSUPP (a PASID
 * the engine cannot tag with, or an operation it does not have), -ERANGE (a
 * PASID beyond the device's width) or -EROFS (the operation would write the
 * device's media and no scratch range allows it: nvme). An engine that must
 * set its device up first (nvme) does so at its first transfer, when the
 * test has attached and mapped; if that fails they return its -errno and
 * e->why says what happened. Each successful start is followed by one wait()
 * before the next call.
 *
 * wait() returns when the transfer is complete (every DMA the device issued
 * for it has finished) or has timed out (a few seconds), and fills the result:
 * LAB_DMA_OK, LAB_DMA_FAULT with the failed access (fault_*), LAB_DMA_MISMATCH
 * (a pair read back other data, or a compare found a difference),
 * LAB_DMA_BAD_REQUEST (the device refused it before any DMA) or LAB_DMA_ERROR
 * (a timeout, or a status the engine does not know; after a timeout the
 * engine has stopped the device and says so in `reset`: it sets the device
 * up again at the next transfer). A device that cannot see faults reports
 * LAB_DMA_OK for a faulting transfer; the IOMMU's fault reporting and the
 * data tell (lab_dma_pair_blocked()). It returns 0, or -errno if it could not
 * find out.
 *
 * send_msi() makes the device send one interrupt on a vector (first clearing
 * the last event, which nobody acknowledges in userspace) and does not wait
 * for it.
 *
 * Control memory: an engine with ctrl_size (nvme: its queues) owns that much
 * memory, which the device must reach at one IOVA (LAB_UENGINE_CTRL_IOVA)
 * in every domain the test attaches while it runs: lab_uengine_ctrl_map()
 * maps it into an IOAS; a test that builds its own stage-1 tables maps it
 * there too, identity (lab_uengine_ctrl()). edu and labdev have none.
 */
#ifndef LAB_UENGINE_H
#define LAB_UENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/device_desc.h"
#include "vfio_pci.h"

enum lab_dma_status { LAB_DMA_OK, LAB_DMA_FAULT, LAB_DMA_MISMATCH, LAB_DMA_BAD_REQUEST, LAB_DMA_ERROR };

struct lab_dma_result {
	enum lab_dma_status status;
	uint64_t fault_iova;		/* LAB_DMA_FAULT: the access that failed (an engine
					 * whose device does not say which page: the start of
					 * the failed command's buffer) */
	bool fault_write, fault_pasid;
	uint64_t mismatch_offset;	/* LAB_DMA_MISMATCH (0 where the device does not say) */
	uint32_t device_status;		/* the device's own code for a failure (nvme: SCT << 8 | SC), 0 */
	bool reset;			/* the transfer timed out: the engine stopped the device */
};

/*
 * Where every engine's control memory sits in the device's address spaces:
 * inside every guest's and lab host's aperture (below 2 GiB), clear of the
 * interrupt windows (x86 0xfee00000-0xfeefffff, Arm's software MSI window
 * 0x8000000-0x80fffff) and of every IOVA the tests use (0x10000000 ..
 * 0x6fffffff, 0x7f000000, 0x100000000 and up).
 */
#define LAB_UENGINE_CTRL_IOVA	0x70000000ull
#define LAB_UENGINE_CTRL_MAX	(4u << 20)	/* no engine has more */
/* Where the i-th of several engines whose devices share an address space
 * puts its control memory (lab_uengine_ctrl_move()); i < 4. */
#define LAB_UENGINE_CTRL_IOVA_N(i)	(LAB_UENGINE_CTRL_IOVA + (uint64_t)(i) * LAB_UENGINE_CTRL_MAX)
/* Interrupt vectors a test counts at most (an MSI engine has 1). */
#define LAB_UENGINE_MAX_VECTORS	8

struct lab_uengine;

/* The lengths an engine takes. */
struct lab_uengine_limits {
	uint32_t granule;	/* every length is a multiple of this */
	uint32_t max_write;	/* largest copy or pair (nvme: within its scratch range; 0: none) */
	uint32_t max_read;	/* largest one-sided read or compare (0: none) */
};

struct lab_uengine_ops {
	const char *name;
	uint32_t max_len;		/* largest transfer, bytes */
	struct lab_device_desc dev;	/* the function it drives (lib/drivers/device_desc.h) */
	size_t priv_size;		/* e->priv: zeroed at open, freed at close */
	size_t ctrl_size;		/* control memory (above), 0 if none */
	bool emulated;			/* the device exists only in an emulator (edu, labdev);
					 * else a standard device (nvme): records say "device" */
	/* Interrupts: 0 means MSI, one vector; else MSI-X with this many vectors. */
	uint32_t msix_vectors;
	/* The device sends an interrupt only by completing a command it fetched
	 * by DMA: in a state where it reaches no memory (blocked, stage-1 abort)
	 * it can be asked for none. */
	bool msi_needs_dma;
	/* The device cannot see a write the IOMMU dropped (posted writes): a DMA
	 * pair at an unmapped IOVA comes back MISMATCH (its read-back differs)
	 * or FAULT, whichever the device notices. */
	bool blind_writes;
	/* Optional: after e->priv and e->ctrl exist; -errno with e->why set. */
	int (*open)(struct lab_uengine *e);
	/* Optional: stop the device's DMA (before its memory goes or moves);
	 * it is set up again at the next transfer. */
	void (*stop)(struct lab_uengine *e);
	/* Optional: set the device up now (nvme: the controller), so that what
	 * it does on the way (interrupts) is not counted later. 1 if it did
	 * just now, 0 if it was up, or -errno. */
	int (*prepare)(struct lab_uengine *e);
	/* Optional: what lengths the device takes (nvme: known once it is set
	 * up); NULL: any up to max_len. */
	int (*limits)(struct lab_uengine *e, struct lab_uengine_limits *l);
	/* Optional: whether copies and pairs may run (nvme: a scratch range
	 * names where it may write its media); NULL: yes. */
	bool (*can_write)(const struct lab_uengine *e);
	/* Copy len bytes from src to dst (IOVAs); pasid LAB_NO_PASID: untagged. */
	int (*memcpy_start)(struct lab_uengine *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t pasid);
	/* Optional: a DMA pair: write the pattern for seed at dst, read it back
	 * and compare, all by the device. NULL when the device cannot. */
	int (*pair_start)(struct lab_uengine *e, uint64_t dst, uint32_t len, uint32_t seed, uint32_t pasid);
	/* Optional, one-sided and never writing the device's media: len bytes
	 * of the device's reference data written at dst (device to memory);
	 * the device reads len bytes at src and compares them with that data
	 * (memory to device: MISMATCH if they differ). */
	int (*read_start)(struct lab_uengine *e, uint64_t dst, uint32_t len, uint32_t pasid);
	int (*compare_start)(struct lab_uengine *e, uint64_t src, uint32_t len, uint32_t pasid);
	int (*wait)(struct lab_uengine *e, struct lab_dma_result *r);
	int (*send_msi)(struct lab_uengine *e, uint32_t vector);
};

/* The fields of an engine for device D, from its header (lib/drivers/<dev>/,
 * prefix D); lab_uengine_send_msi() raises the MSI. */
#define LAB_UENGINE_PCI(D)							\
	.name = D##_NAME, .max_len = D##_LEN_MAX, .dev = LAB_DEVICE_DESC(D),	\
	.send_msi = lab_uengine_send_msi

struct lab_uengine {
	const struct lab_uengine_ops *ops;
	struct lab_vfio_pci *pci;
	void *priv;
	void *ctrl;			/* control memory, ops->ctrl_size bytes; NULL if none */
	uint64_t ctrl_iova;		/* where the device reaches it (LAB_UENGINE_CTRL_IOVA) */
	bool emulated;			/* ops->emulated: records say "emulated", else "device" */
	char why[256];			/* what the last failed open or setup found */
};

/* The function in list (space-separated BDFs, as $IOMMU_LAB_VFIO) that ops
 * drives (by vendor and device ID, or by class code), with need_pasid one
 * that also has a PASID capability, after skipping `skip` such functions;
 * into bdf[32]. 0 or -ENOENT. */
int lab_uengine_find(const char *list, const struct lab_uengine_ops *ops, bool need_pasid, int skip,
		     char *bdf);
/* The skip-th function in list whose engine can do DMA pairs here: every
 * labdev first, then every nvme that has a scratch range (its pairs write
 * the media). 0 with bdf[32] and *ops set, or -ENOENT. */
int lab_uengine_find_pairs(const char *list, int skip, char *bdf, const struct lab_uengine_ops **ops);
/* Find the engine for the opened function and check that BAR 0 is its
 * device. 0, -ENODEV (no engine for this device, or not the device), -EINVAL
 * (the engine's configuration is wrong: e->why), or -ENOMEM. */
int lab_uengine_open(struct lab_vfio_pci *pci, struct lab_uengine *e);
void lab_uengine_close(struct lab_uengine *e);
/* One transfer, started and waited for. */
int lab_uengine_copy(struct lab_uengine *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t pasid,
		     struct lab_dma_result *r);
int lab_uengine_pair(struct lab_uengine *e, uint64_t dst, uint32_t len, uint32_t seed, uint32_t pasid,
		     struct lab_dma_result *r);
int lab_uengine_read(struct lab_uengine *e, uint64_t dst, uint32_t len, uint32_t pasid, struct lab_dma_result *r);
int lab_uengine_compare(struct lab_uengine *e, uint64_t src, uint32_t len, uint32_t pasid,
			struct lab_dma_result *r);
const char *lab_dma_status_name(enum lab_dma_status s);
/* Whether a DMA pair's result says it did not reach memory: FAULT, or for an
 * engine with blind_writes also MISMATCH. (The caller checks the memory.) */
bool lab_dma_pair_blocked(const struct lab_uengine *e, const struct lab_dma_result *r);

/* The lengths the engine takes (above), and their granule alone; they set
 * the device up first if they must. 0 or -errno. */
int lab_uengine_limits(struct lab_uengine *e, struct lab_uengine_limits *l);
int lab_uengine_granule(struct lab_uengine *e, uint32_t *bytes);
/* Whether copies and pairs may run (ops->can_write). */
bool lab_uengine_can_write(const struct lab_uengine *e);
/* Set the device up now (ops->prepare): 1 if it was just set up (it may
 * have signalled interrupts on the way), 0 if there was nothing to do, or
 * -errno with e->why. */
int lab_uengine_prepare(struct lab_uengine *e);

/* The control memory: CPU address, IOVA (e->ctrl_iova), length. false when
 * the engine has none. */
bool lab_uengine_ctrl(const struct lab_uengine *e, void **cpu, uint64_t *iova, size_t *len);
/* Map the control memory read/write into IOAS ioas at e->ctrl_iova; 0
 * (nothing to do without control memory) or -errno (-EINVAL: the range is
 * reserved for a device on the IOAS; -EEXIST: already mapped). */
int lab_uengine_ctrl_map(struct lab_uengine *e, int iommufd, uint32_t ioas);
/* Put the control memory at iova instead (page aligned), for a second engine
 * in an address space the first one's already uses; the device is stopped
 * and set up there at its next transfer. 0 or -EINVAL. */
int lab_uengine_ctrl_move(struct lab_uengine *e, uint64_t iova);

/* What eventfd efd counted within wait_ms (0 if nothing; its counter is
 * reset), or -errno. */
int64_t lab_eventfd_take(int efd, int wait_ms);

/* A device's interrupts, one eventfd per vector: MSI vector 0, or the first
 * n MSI-X vectors for an engine with msix_vectors. */
struct lab_uengine_irqs {
	int efd[LAB_UENGINE_MAX_VECTORS];
	uint32_t n;
	bool msix;
};
/* n eventfds for e's vectors (MSI-X: the engine's count, capped by what
 * VFIO offers; -EOPNOTSUPP below the engine's need, with e->why). Not yet enabled. */
int lab_uengine_irqs_open(struct lab_uengine *e, struct lab_uengine_irqs *q);
/* VFIO_DEVICE_SET_IRQS: every vector signals its eventfd (the host
 * allocates the vectors, and on Arm maps the doorbell into the attached
 * domain, now). The device is set up first where it can be, so that its
 * setup signals nothing. 0 or -errno. */
int lab_uengine_irqs_enable(struct lab_uengine *e, struct lab_uengine_irqs *q);
int lab_uengine_irqs_disable(struct lab_uengine *e, struct lab_uengine_irqs *q);
/* Close the eventfds; safe on a set never opened (zeroed, or n 0). */
void lab_uengine_irqs_close(struct lab_uengine_irqs *q);
/*
 * Raise count interrupts on `vector` one at a time through the engine, each
 * after the last one arrived on that vector's eventfd or wait_ms passed
 * without it; then 20 ms more for extras. delivered[i]: how many vector i's
 * eventfd counted in all (every vector of q is read, so an interrupt on the
 * wrong vector shows). The engine is set up first (lab_uengine_prepare);
 * what it signalled on the way is taken until the vectors are quiet for
 * 100 ms, and not counted. A device merges interrupts
 * raised before the last one was taken, so back-to-back raises would
 * undercount. 0 or -errno.
 */
int lab_uengine_msis(struct lab_uengine *e, const struct lab_uengine_irqs *q, uint32_t vector, uint32_t count,
		     int wait_ms, uint32_t delivered[LAB_UENGINE_MAX_VECTORS]);

/* The generic send_msi: ack, then raise, through the device's interrupt
 * registers (ops->dev); one vector only. */
int lab_uengine_send_msi(struct lab_uengine *e, uint32_t vector);

/* Whether buf holds labdev's test pattern for seed (docs/labdev.md), as a
 * WRITE or PAIR of len bytes leaves it (the nvme engine's pairs write the
 * same pattern). */
bool lab_labdev_has_pattern(const void *buf, size_t len, uint32_t seed);

/*
 * NVMe scratch ranges: where an nvme engine may write the media,
 * "[BDF@]NSID:LBA+COUNT", several comma-separated (IOMMU_LAB_NVME_SCRATCH;
 * docs/nvme.md). The range for function bdf: the first entry naming it, else
 * the first naming no function. 1 (found, *nsid, *lba, *count set), 0 (none
 * for bdf), or -EINVAL with what is wrong in err (the whole spec is checked,
 * whichever entry applies).
 */
int lab_nvme_scratch_parse(const char *spec, const char *bdf, uint32_t *nsid, uint64_t *lba, uint64_t *count,
			   char *err, size_t errlen);
#define LAB_NVME_SCRATCH_ENV "IOMMU_LAB_NVME_SCRATCH"

/* For the host unit test (tests/unit/test_uengine_nvme.c) only: drive the
 * nvme engine's controller through env (a fake one) instead of BAR 0. */
struct nvme_core_env;
void lab_uengine_nvme_use_env(struct lab_uengine *e, const struct nvme_core_env *env);

extern const struct lab_uengine_ops lab_uengine_edu, lab_uengine_labdev, lab_uengine_nvme;

#endif
