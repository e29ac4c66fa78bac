/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the suite's kselftest-harness programs: attach the engine that
 * produced a DMA result and named metrics to the running test, in the
 * "# lab-record" lines that iommu-lab-collect folds into the results JSON.
 */
#ifndef LAB_TEST_H
#define LAB_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Who moved the bytes: "hardware" (a physical device), "emulated" (a device
 * model in an emulator, real DMA through the emulated IOMMU), "software"
 * (the CPU resolving translations in the kernel: never hardware DMA) or
 * "device" (a standard device such as NVMe driven as an engine: a physical
 * one on a lab host, the emulator's own model in the testbed). */
enum lab_engine_kind { LAB_ENGINE_HARDWARE, LAB_ENGINE_EMULATED, LAB_ENGINE_SOFTWARE, LAB_ENGINE_DEVICE };

void lab_record_engine(const char *name, enum lab_engine_kind kind);
void lab_record_metric(const char *name, double value, const char *unit);
/* A figure measured several times in the run: VALUE is the median, [LO, HI]
 * the range of the repeats (the run-to-run spread `iommu-lab compare` uses). */
void lab_record_metric_range(const char *name, double value, double lo, double hi, const char *unit);
/* Whether len bytes at p are all zero (a page no DMA may have touched). */
bool lab_mem_is_zero(const void *p, size_t len);
/* Make stdout line buffered so records and harness lines keep their order
 * when the output is a pipe. Called from a constructor in lab_test.c. */
void lab_test_init_output(void);

#endif
