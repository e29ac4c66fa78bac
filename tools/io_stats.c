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
#include "json.h"
#include "testdev.h"

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

int main(int argc, char **argv)
{
	bool reset = argc == 3 && !strcmp(argv[2], "--reset");
	struct itd_io_stats st;
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
	fputs("{\"engine\":", stdout);
	lab_json_quote(stdout, st.engine);
	printf(",\"engine_kind\":\"%s\",\"domain\":", lab_td_engine_kind_name(st.engine_kind));
	lab_json_quote(stdout, st.iommu_domain_type);
	printf(",\"store_len\":%llu,\"ios\":%llu,\"bytes\":%llu,\"segments\":%llu,\"map_ns\":%llu,"
	       "\"map_ns_sq\":%llu,\"unmap_ns\":%llu,\"unmap_ns_sq\":%llu,\"engine_ns\":%llu,",
	       (unsigned long long)st.store_len, (unsigned long long)st.ios, (unsigned long long)st.bytes,
	       (unsigned long long)st.segments, (unsigned long long)st.map_ns, (unsigned long long)st.map_ns_sq,
	       (unsigned long long)st.unmap_ns, (unsigned long long)st.unmap_ns_sq,
	       (unsigned long long)st.engine_ns);
	/* Per request, for the runner (the guests' awk has no square root). */
	printf("\"map_ns_mean\":%.6g,\"map_ns_stddev\":%.6g,\"unmap_ns_mean\":%.6g,\"unmap_ns_stddev\":%.6g}\n",
	       mean(st.map_ns, st.ios), stddev(st.map_ns, st.map_ns_sq, st.ios),
	       mean(st.unmap_ns, st.ios), stddev(st.unmap_ns, st.unmap_ns_sq, st.ios));
	return 0;
}
