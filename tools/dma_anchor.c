// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-lab-dma-anchor: run the kernel's own DMA API benchmark
 * (CONFIG_DMA_MAP_BENCHMARK, /sys/kernel/debug/dma_map_benchmark) on the
 * function bound to the dma_map_benchmark driver, in SG mode: dma_map_sg and
 * dma_unmap_sg of GRANULE one-page entries, what the I/O node does per
 * request. `iommu-lab perf` sets the function up and compares.
 *   iommu-lab-dma-anchor [--granule N] [--seconds S] [--threads T] [--dir bidir|to|from]
 * Prints one JSON object (times in ns); exit 77 when the kernel or the build
 * lacks the benchmark, 1 when it fails, 2 on bad arguments.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#ifdef HAVE_MAP_BENCHMARK_SG
#include <linux/types.h>
#include <linux/map_benchmark.h>
#endif

#include "lab_results.h"

#define NODE "/sys/kernel/debug/dma_map_benchmark"

static int number(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = s ? strtol(s, &end, 10) : 0;
	if (!s || errno || *end || v < lo || v > hi) {
		fprintf(stderr, "iommu-lab-dma-anchor: %s needs a number in %ld..%ld\n", opt, lo, hi);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	int granule = 1, seconds = 2, threads = 1, dir = 0;	/* DMA_MAP_BIDIRECTIONAL */

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--granule"))
			granule = number(argv[i], argv[i + 1], 1, 1024), i++;
		else if (!strcmp(argv[i], "--seconds"))
			seconds = number(argv[i], argv[i + 1], 1, 300), i++;
		else if (!strcmp(argv[i], "--threads"))
			threads = number(argv[i], argv[i + 1], 1, 64), i++;
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc && !strcmp(argv[i + 1], "bidir"))
			dir = 0, i++;
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc && !strcmp(argv[i + 1], "to"))
			dir = 1, i++;	/* DMA_MAP_TO_DEVICE */
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc && !strcmp(argv[i + 1], "from"))
			dir = 2, i++;	/* DMA_MAP_FROM_DEVICE */
		else {
			fprintf(stderr, "usage: iommu-lab-dma-anchor [--granule N] [--seconds S] [--threads T] "
				"[--dir bidir|to|from]\n");
			return 2;
		}
	}
#ifndef HAVE_MAP_BENCHMARK_SG
	(void)granule, (void)seconds, (void)threads, (void)dir;
	fprintf(stderr, "iommu-lab-dma-anchor: built without linux/map_benchmark.h with SG mode "
		"(configure --with-uapi of a 6.19+ kernel)\n");
	return 77;
#else
	struct map_benchmark b = {
		.threads = threads, .seconds = seconds, .node = -1, .dma_bits = 64,
		.dma_dir = dir, .granule = granule, .map_mode = DMA_MAP_BENCH_SG_MODE,
	};
	struct lab_json j;
	int fd = open(NODE, O_RDWR);

	if (fd < 0) {
		fprintf(stderr, "iommu-lab-dma-anchor: %s: %s (CONFIG_DMA_MAP_BENCHMARK, debugfs, "
			"and a function bound to the dma_map_benchmark driver are needed)\n", NODE, strerror(errno));
		return errno == ENOENT ? 77 : 1;
	}
	if (ioctl(fd, DMA_MAP_BENCHMARK, &b)) {
		fprintf(stderr, "iommu-lab-dma-anchor: DMA_MAP_BENCHMARK: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	lab_json_init(&j, stdout, false);
	lab_json_obj(&j, NULL);
	lab_json_int(&j, "granule", granule);
	lab_json_int(&j, "dir", dir);
	lab_json_int(&j, "seconds", seconds);
	lab_json_int(&j, "threads", threads);
	/* The kernel reports 100 ns units. */
	lab_json_uint(&j, "map_ns", (uint64_t)b.avg_map_100ns * 100);
	lab_json_uint(&j, "map_stddev_ns", (uint64_t)b.map_stddev * 100);
	lab_json_uint(&j, "unmap_ns", (uint64_t)b.avg_unmap_100ns * 100);
	lab_json_uint(&j, "unmap_stddev_ns", (uint64_t)b.unmap_stddev * 100);
	lab_json_end(&j);
	putchar('\n');
	return 0;
#endif
}
