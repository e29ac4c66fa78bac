// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs last: the kernel stayed healthy while the suite ran. No warning, BUG or
 * oops was logged after the run started, and kmemleak finds no new leak.
 * docs/tests/kernel.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "lab_results.h"

/* A fixture of the harness's default name, so that a test can have its own
 * time limit and the ids stay kernel_log.global.*. */
FIXTURE(global) {};
FIXTURE_SETUP(global) {}
FIXTURE_TEARDOWN(global) {}

TEST_F(global, no_warnings_or_oopses_during_run)
{
	const char *start = getenv("IOMMU_LAB_KMSG_SEQ");
	unsigned long long from, seq;
	char rec[16384];	/* a /dev/kmsg read needs room for a whole record */
	char by[256];
	int fd, found = 0, claimed = 0, err = 0;
	ssize_t n;

	if (!start)
		SKIP(return, "IOMMU_LAB_KMSG_SEQ unset: run through `iommu-lab run`");
	from = strtoull(start, NULL, 10);
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		SKIP(return, "/dev/kmsg: %s", strerror(errno));
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && (errno == EPIPE || errno == EINTR))) {
		char *msg;

		if (n < 0)
			continue;	/* records overwritten under us: go on with the next */
		rec[n] = 0;
		msg = strchr(rec, ';');
		/* IOMMU_LAB_KMSG_SEQ is the first record of the run. */
		if (!msg || sscanf(rec, "%*u,%llu,", &seq) != 1 || seq < from)
			continue;
		/* the same reports the fail-nth tests and the runner look for */
		if (!lab_kmsg_is_report(msg))
			continue;
		/* A test that caused it FAILed for it already, naming it. */
		if (lab_kmsg_claimed(seq, by, sizeof(by))) {
			if (claimed++ < 10)
				TH_LOG("kernel log (the FAIL of %s): %.*s", by, (int)strcspn(msg + 1, "\n"), msg + 1);
			continue;
		}
		if (found++ < 10)
			TH_LOG("kernel log: %.*s", (int)strcspn(msg + 1, "\n"), msg + 1);
	}
	if (n < 0 && errno != EAGAIN)
		err = errno;
	close(fd);
	ASSERT_EQ(0, err) TH_LOG("reading /dev/kmsg stopped early: %s", strerror(err));
	if (claimed)
		TH_LOG("%d report lines already FAILed by the test that caused them (named above)", claimed);
	EXPECT_EQ(0, found) TH_LOG("%d warning/BUG/oops lines since the run started", found);
}

/* kmemleak's scan of 2 GiB takes longer than the harness's 30 s on a debug
 * kernel (KASAN) under emulation. */
TEST_F_TIMEOUT(global, no_kmemleak_reports, 300)
{
	const char *path = "/sys/kernel/debug/kmemleak";
	char *report = NULL, chunk[4096];
	size_t len = 0;
	int fd, leaks = 0;
	ssize_t n;

	fd = open(path, O_RDWR);
	if (fd < 0)
		SKIP(return, "%s: %s (CONFIG_DEBUG_KMEMLEAK, debugfs mounted?)", path, strerror(errno));
	/* kmemleak reports objects unreferenced for at least 5 s, and some
	 * configurations only after two scans; the runner scanned and cleared the
	 * suspects that existed when the run started. */
	sleep(6);
	for (int i = 0; i < 2; i++) {
		if (write(fd, "scan", 4) != 4) {
			int err = errno;

			close(fd);
			SKIP(return, "kmemleak scan: %s (disabled at boot?)", strerror(err));
		}
	}
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		char *r = realloc(report, len + (size_t)n + 1);

		ASSERT_NE(NULL, r);
		report = r;
		memcpy(report + len, chunk, (size_t)n);
		len += (size_t)n;
		report[len] = 0;
	}
	close(fd);
	for (char *line = report ? strtok(report, "\n") : NULL; line; line = strtok(NULL, "\n")) {
		if (strstr(line, "unreferenced object"))
			leaks++;
		if (leaks && leaks <= 5)
			TH_LOG("%s", line);
	}
	free(report);
	EXPECT_EQ(0, leaks) TH_LOG("%d unreferenced objects since the run started", leaks);
}

TEST_HARNESS_MAIN
