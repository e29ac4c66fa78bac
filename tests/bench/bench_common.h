/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the benchmarks share: a device with a DMA engine (labdev, or nvme
 * with a scratch range) opened either through vfio-pci and iommufd (DMA
 * pairs started from userspace, lib/uengine_labdev.c, lib/uengine_nvme.c)
 * or through iommu_testdev (copies started with ITD_DMA), address spaces that
 * map a transfer's buffers at the same IOVAs, attach/detach/replace of a
 * space at the RID or a PASID, one transfer, a data check, timed batches and
 * metrics with the range of the rounds. docs/tests/bench.md.
 */
#ifndef TESTS_BENCH_COMMON_H
#define TESTS_BENCH_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lab_iommufd.h"
#include "lab_results.h"
#include "lab_engines.h"

#define BENCH_MAX_SPACES 9	/* the RID and PASIDs 1..8 */
#define BENCH_ROUNDS 9
/* Each timed batch runs at least this long and this many operations, so
 * that scheduling noise on a busy (emulated) machine is a small part of it. */
#define BENCH_BATCH_S 0.025
#define BENCH_BATCH_MIN 4
#define BENCH_RID LAB_NO_PASID
/* Where every space maps a transfer's buffers: the module's source and
 * destination, iommufd's destination (a DMA pair writes and reads it back). */
#define BENCH_IOVA_SRC 0x10000000ull
#define BENCH_IOVA_DST 0x20000000ull

/* One address space: the transfer's buffers mapped at fixed IOVAs. */
struct bench_space {
	uint8_t *page;		/* iommufd: the destination */
	uint32_t ioas, hwpt;	/* iommufd */
	uint32_t src, dst, dom;	/* module: buffers (src filled with bench_fill(i)) and domain */
};

struct bench_dev {
	bool module;
	int ifd, tfd;
	struct lab_vfio_pci pci;	/* iommufd */
	struct lab_uengine eng;
	char bdf[32];
	char engine[16];	/* the engine's name, for the record */
	enum lab_engine_kind kind;	/* ... and its kind */
	uint32_t pasids;	/* PASIDs 1..pasids usable beside the RID */
	char no_pasids[200];	/* with pasids 0: why, for a SKIP */
	char why[200];		/* why bench_open failed */
	uint64_t max_len;	/* the engine's largest transfer */
	uint64_t len;		/* transfer size, set by bench_spaces */
	int nsp;
	struct bench_space sp[BENCH_MAX_SPACES];
};

/* Open the function with engine `engine` ("labdev", "nvme"; NULL: a labdev
 * if there is one, else an nvme) in IOMMU_LAB_TESTDEV (module) or
 * IOMMU_LAB_VFIO (an nvme there only with a scratch range). 0; -EOPNOTSUPP:
 * d->why says what the machine lacks (SKIP); another -errno: d->why says
 * what failed. */
int bench_open(struct bench_dev *d, bool module, const char *engine);
/* The test's engine record: d's engine and kind. */
void bench_record_engine(const struct bench_dev *d);
/* Frees everything bench_open and bench_spaces made; safe after a failed open. */
void bench_close(struct bench_dev *d);

/* n address spaces, each mapping its own len-byte buffers at the same IOVAs,
 * none attached (module: the RID is blocked). 0 or -errno. */
int bench_spaces(struct bench_dev *d, int n, uint64_t len);
/* Attach space i at pasid (BENCH_RID: the RID); over an attached space
 * through iommufd that is a replace. 0 or -errno. */
int bench_attach(struct bench_dev *d, int i, uint32_t pasid);
int bench_detach(struct bench_dev *d, uint32_t pasid);

/* One transfer through what is attached at pasid: 0, a device status or -errno. */
int bench_transfer(struct bench_dev *d, uint32_t pasid, uint32_t seed);
/* Clear space i's destination, one transfer at pasid, then the CPU checks
 * that its data is in space i's destination: 0, -EBADMSG (not there), or the
 * transfer's error. */
int bench_check(struct bench_dev *d, int i, uint32_t pasid, uint32_t seed);

/* One timed batch: op(ctx, n) for n = 0, 1, ... until BENCH_BATCH_S passed
 * and BENCH_BATCH_MIN ran. *rate: operations per second; *count: how many
 * ran. 0 or the first failing op's return (*count: its n). */
int bench_batch(int (*op)(void *ctx, long n), void *ctx, double *rate, long *count);

/* Record samples[0..n) (n <= BENCH_ROUNDS), each times scale, as metric
 * "<tag>.<what>": the median with the min..max of the rounds; their summary
 * into *s (may be NULL). */
void bench_record(const char *tag, const char *what, const double *samples, int n, double scale,
		  const char *unit, struct lab_summary *s);

#define BENCH_MIB(len) ((double)(len) / (1 << 20))

/*
 * The fixture of a benchmark: variants iommufd and module (bench_open), the
 * device closed at teardown. Its FIXTURE_SETUP starts with
 * BENCH_SETUP(engine) (self->d opened, or the test skipped with what the
 * machine lacks).
 */
#define BENCH_FIXTURE(_name)                                                                 \
	FIXTURE(_name) { struct bench_dev d; };                                               \
	FIXTURE_VARIANT(_name) { bool module; };                                              \
	FIXTURE_VARIANT_ADD(_name, iommufd) { .module = false };                              \
	FIXTURE_VARIANT_ADD(_name, module) { .module = true };                                \
	FIXTURE_TEARDOWN(_name) { bench_close(&self->d); }

#define BENCH_SETUP(_engine)                                                                 \
	do {                                                                                 \
		int _ret = bench_open(&self->d, variant->module, _engine);                   \
                                                                                             \
		if (_ret == -EOPNOTSUPP)                                                     \
			SKIP(return, "%s", self->d.why);                                     \
		ASSERT_EQ(0, _ret) TH_LOG("%s", self->d.why);                                \
	} while (0)

#endif
