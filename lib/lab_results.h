/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libiommulab, one of its four public headers (docs/architecture.md, "The
 * library's boundary"): results: the record and KTAP writers, the JSON reader, crash-safe results files, the harness glue that records verdicts, metrics and engines, statistics.
 * Test programs and tools include these, never the parts below.
 */
#ifndef LAB_RESULTS_H_PUBLIC
#define LAB_RESULTS_H_PUBLIC

#include "commit.h"
#include "json.h"
#include "json_read.h"
#include "ktap.h"
#include "lab_test.h"
#include "stats.h"

#endif
