/* SPDX-License-Identifier: GPL-2.0-only */
/* Summary statistics for benchmark samples. */
#ifndef LAB_STATS_H
#define LAB_STATS_H

#include <stddef.h>

struct lab_summary {
	size_t n;
	double min, max, mean, stddev;	/* stddev: sample (n-1) */
	double p50, p99, p999;
};

/* Sorts SAMPLES in place. n == 0 gives a zeroed summary. */
void lab_summarize(double *samples, size_t n, struct lab_summary *s);
/* Percentile P (0..100) of SORTED samples, linear interpolation between ranks. */
double lab_percentile(const double *sorted, size_t n, double p);

#endif
