// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-lab-io-stats: what the iommu_testdev I/O node of a function measured
 * (ITD_IO_STATS), as one JSON object, for `iommu-lab perf` to fold next to
 * fio's figures.
 *   iommu-lab-io-stats BDF [--reset]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "lab_results.h"
#include "lab_engines.h"

static double mean(uint64_t sum, uint64_t n)
{
	return n ? (double)sum / n : 0;
}

/* Population standard deviation from the sum and the sum of squares. */
static double stddev(uint64_t sum, uint64_t sq, uint64_t n)
{
	double m = mean(sum, n), v = n ? (double)sq / n - m * m : 0;

	return v > 0 ? sqrt(v) : 0;
}

/* A counter printed as the module gives it, under its field's name. */
#define COUNTER(f) { #f, st.f }

int main(int argc, char **argv)
{
	bool reset = argc == 3 && !strcmp(argv[2], "--reset");
	struct itd_io_stats st;
	struct lab_json j;
	int fd, ret;

	if (argc < 2 || argc > 3 || (argc == 3 && !reset)) {
		fprintf(stderr, "usage: iommu-lab-io-stats BDF [--reset]\n");
		return 2;
	}
	fd = lab_td_io_open(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "iommu-lab-io-stats: %s/%s: %s\n", LAB_TD_IO_DIR, argv[1], strerror(-fd));
		return 1;
	}
	ret = lab_td_io_stats(fd, reset, &st);
	close(fd);
	if (ret) {
		fprintf(stderr, "iommu-lab-io-stats: ITD_IO_STATS: %s\n", strerror(-ret));
		return 1;
	}
	const struct {
		const char *name;
		uint64_t value;
	} counters[] = {
		COUNTER(store_len), COUNTER(ios), COUNTER(bytes), COUNTER(segments), COUNTER(map_ns),
		COUNTER(map_ns_sq), COUNTER(unmap_ns), COUNTER(unmap_ns_sq), COUNTER(engine_ns),
	};

	lab_json_init(&j, stdout, false);
	lab_json_obj(&j, NULL);
	lab_json_str(&j, "engine", st.engine);
	lab_json_str(&j, "engine_kind", lab_td_engine_kind_name(st.engine_kind));
	lab_json_str(&j, "domain", st.iommu_domain_type);
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		lab_json_uint(&j, counters[i].name, counters[i].value);
	/* Per request, for the runner (the guests' awk has no square root). */
	lab_json_double(&j, "map_ns_mean", mean(st.map_ns, st.ios));
	lab_json_double(&j, "map_ns_stddev", stddev(st.map_ns, st.map_ns_sq, st.ios));
	lab_json_double(&j, "unmap_ns_mean", mean(st.unmap_ns, st.ios));
	lab_json_double(&j, "unmap_ns_stddev", stddev(st.unmap_ns, st.unmap_ns_sq, st.ios));
	lab_json_end(&j);
	putchar('\n');
	return 0;
}
