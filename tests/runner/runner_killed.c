// SPDX-License-Identifier: GPL-2.0-only
/*
 * Crash-safe runs: a run killed with SIGKILL in the middle leaves records
 * that `iommu-lab restore` uses to give every function back to the driver
 * it had, and `iommu-lab run` refuses to start over them, naming restore.
 *
 * The killed run is a run inside this one, with a state directory of its
 * own (IOMMU_LAB_STATE), on two functions this run handed out: the first
 * one on iommu_testdev (the inner run hands it to vfio-pci) and the first
 * one on vfio-pci (handed to iommu_testdev). After restore both are back
 * where this run had them, with no driver_override left, and the program
 * the killed runner had started is gone. docs/tests/runner.md,
 * docs/install.md ("A run that was killed").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "runner_common.h"

FIXTURE(restore) {
	const char *runner;
	char state[64];		/* the inner run's IOMMU_LAB_STATE */
	char out[64];		/* its results directory */
	char to_vfio[16];	/* on iommu_testdev now: the inner run hands it to vfio-pci */
	char to_testdev[16];	/* on vfio-pci now: the inner run hands it to iommu_testdev */
	pid_t inner;
};

static bool file_has(const char *path, const char *what)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && (n = fread(buf, 1, sizeof(buf) - 1, f)) > 0) {
		buf[n] = 0;
		found = strstr(buf, what) != NULL;
	}
	fclose(f);
	return found;
}

/* `iommu-lab ARGS` with the inner run's state directory. */
static int inner_cmd(FIXTURE_DATA(restore) *self, const char *args, char *err, size_t len)
{
	int rc;

	setenv("IOMMU_LAB_STATE", self->state, 1);
	rc = runner_run(self->runner, args, err, len);
	unsetenv("IOMMU_LAB_STATE");
	return rc;
}

FIXTURE_SETUP(restore)
{
	const char *td = getenv("IOMMU_LAB_TESTDEV"), *vf = getenv("IOMMU_LAB_VFIO");

	self->inner = -1;
	self->runner = getenv("IOMMU_LAB_RUNNER");
	self->state[0] = self->out[0] = 0;
	if (!self->runner || !td || sscanf(td, " %15s", self->to_vfio) != 1)
		SKIP(return, "no function handed to iommu_testdev by the runner (iommu-lab run --testdev BDF)");
	if (!vf || sscanf(vf, " %15s", self->to_testdev) != 1)
		SKIP(return, "no function handed to vfio-pci by the runner (iommu-lab run --vfio BDF)");
	if (geteuid())
		SKIP(return, "binding functions needs root");
	snprintf(self->state, sizeof(self->state), "/tmp/iommu-lab-state.XXXXXX");
	snprintf(self->out, sizeof(self->out), "/tmp/iommu-lab-killed.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->state));
	ASSERT_NE(NULL, mkdtemp(self->out));
}

FIXTURE_TEARDOWN(restore)
{
	char cmd[256];

	if (self->inner > 0) {	/* whatever is left of the inner run's own processes */
		kill(-self->inner, SIGKILL);
		waitpid(self->inner, NULL, 0);
	}
	if (self->state[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", self->state, self->out);
		if (system(cmd))
			TH_LOG("could not remove %s and %s", self->state, self->out);
	}
}

/* The inner run: started in a session of its own, as a user starts one. */
static pid_t start_inner(FIXTURE_DATA(restore) *self)
{
	char stream[128];
	pid_t pid = fork();

	if (pid)
		return pid;
	setsid();
	setenv("IOMMU_LAB_STATE", self->state, 1);
	/* The outer run marked the kernel log; the inner one must not clear
	 * kmemleak's suspects under it (run.sh skips its mark then). */
	setenv("LAB_RUN_MARKED", "1", 1);
	snprintf(stream, sizeof(stream), "%s/stream.jsonl", self->out);
	execl(self->runner, self->runner, "run", "--vfio", self->to_vfio, "--testdev", self->to_testdev,
	      "--out", self->out, "--stream", stream, "--filter", "caps_kernel.*", (char *)NULL);
	_exit(127);
}

/* Every line of PATH a whole record: '{' ... '}'. The number of lines, or -1. */
static int whole_lines(const char *path)
{
	char line[65536];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);

		if (l < 3 || line[0] != '{' || line[l - 1] != '\n' || line[l - 2] != '}') {
			n = -1;
			break;
		}
		n++;
	}
	fclose(f);
	return n;
}

TEST_F_TIMEOUT(restore, sigkill_mid_run_then_restore_gives_every_function_back, 300)
{
	char path[128], rec[64], drv[64], ovr[64], err[4096], stream[128];
	const char *bdfs[2] = { self->to_vfio, self->to_testdev };
	const char *was[2] = { "iommu_testdev", "vfio-pci" };
	int st, i, pgid;

	for (i = 0; i < 2; i++) {
		driver_of(bdfs[i], drv, sizeof(drv));
		ASSERT_STREQ(was[i], drv) TH_LOG("%s is not on %s at the start", bdfs[i], was[i]);
	}
	snprintf(stream, sizeof(stream), "%s/stream.jsonl", self->out);
	self->inner = start_inner(self);
	ASSERT_LT(0, self->inner);
	/* In the middle: a program of the inner run is running. */
	for (i = 0; i < 1200 && !file_has(stream, "\"running\""); i++) {
		ASSERT_EQ(0, waitpid(self->inner, &st, WNOHANG)) TH_LOG("the inner run ended before it ran a test");
		usleep(100000);
	}
	ASSERT_TRUE(file_has(stream, "\"running\"")) TH_LOG("the inner run ran no test within 120 s");
	/* The runner alone, as `kill -9 PID` does: what it started lives on. */
	ASSERT_EQ(0, kill(self->inner, SIGKILL));
	ASSERT_EQ(self->inner, waitpid(self->inner, &st, 0));

	/* It recorded what it bound before binding it. */
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s.driver", self->state, bdfs[i]);
		first_line(path, rec, sizeof(rec));
		EXPECT_STREQ(was[i], rec) TH_LOG("the killed run's record of %s (%s)", bdfs[i], path);
	}
	/* Its results files hold whole records only, however it was cut. */
	snprintf(path, sizeof(path), "%s/results.jsonl", self->out);
	EXPECT_LE(0, whole_lines(path)) TH_LOG("%s has a torn line", path);

	/* A new run refuses to start over the records, naming restore. */
	snprintf(path, sizeof(path), "run --vfio %s --out %s/again --filter 'caps_kernel.*'", self->to_vfio,
		 self->out);
	EXPECT_EQ(2, inner_cmd(self, path, err, sizeof(err))) TH_LOG("run over a stale record: %s", err);
	EXPECT_NE(NULL, strstr(err, "iommu-lab restore")) TH_LOG("the refusal does not name restore: %s", err);

	/* The program the killed runner had started, when it still runs. */
	snprintf(path, sizeof(path), "%s/program.pgid", self->state);
	first_line(path, rec, sizeof(rec));
	pgid = atoi(rec);
	if (pgid > 1 && kill(-pgid, 0))
		pgid = 0;
	TH_LOG("the killed run's program (process group %d) %s", pgid, pgid ? "still runs" : "had ended");

	ASSERT_EQ(0, inner_cmd(self, "restore", err, sizeof(err))) TH_LOG("iommu-lab restore: %s", err);
	if (pgid > 1)
		EXPECT_EQ(-1, kill(-pgid, 0)) TH_LOG("restore left the killed run's program (group %d) running", pgid);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdfs[i]);
		first_line(path, ovr, sizeof(ovr));
		driver_of(bdfs[i], drv, sizeof(drv));
		EXPECT_STREQ(was[i], drv) TH_LOG("after restore %s is on '%s'", bdfs[i], drv);
		EXPECT_TRUE(!ovr[0] || !strcmp(ovr, "(null)")) TH_LOG("%s keeps driver_override '%s'", bdfs[i], ovr);
		snprintf(path, sizeof(path), "%s/%s.driver", self->state, bdfs[i]);
		EXPECT_NE(0, access(path, F_OK)) TH_LOG("restore left %s", path);
	}
	snprintf(path, sizeof(path), "%s/run.owner", self->state);
	EXPECT_NE(0, access(path, F_OK)) TH_LOG("restore left %s", path);
	/* Nothing of the program the killed run started holds a function: a
	 * second restore has nothing to do. */
	EXPECT_EQ(0, inner_cmd(self, "restore", err, sizeof(err))) TH_LOG("second restore: %s", err);
}

/* A record of a process that no longer runs (pid 1's identity with another
 * start time): refused, naming restore, with nothing bound. */
TEST_F(restore, run_refuses_to_start_over_a_dead_runs_record_naming_restore)
{
	char path[128], err[4096], drv[64];

	snprintf(path, sizeof(path), "%s/run.owner", self->state);
	FILE *f = fopen(path, "w");

	ASSERT_NE(NULL, f);
	fprintf(f, "1 1 not-this-boot\n");
	fclose(f);
	snprintf(path, sizeof(path), "run --vfio %s --out %s/r --filter 'caps_kernel.*'", self->to_vfio, self->out);
	EXPECT_EQ(2, inner_cmd(self, path, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(err, "iommu-lab restore")) TH_LOG("the refusal does not name restore: %s", err);
	driver_of(self->to_vfio, drv, sizeof(drv));
	EXPECT_STREQ("iommu_testdev", drv) TH_LOG("the refused run moved %s", self->to_vfio);
}

/* A record of a run that still runs (this test's own process): refused
 * as well, and restore leaves it alone. */
TEST_F(restore, run_and_restore_leave_a_live_runs_record_alone)
{
	char path[128], err[4096], start[64] = "", boot[64] = "", stat[1024], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)getpid());
	first_line(path, stat, sizeof(stat));
	p = strrchr(stat, ')');
	ASSERT_NE(NULL, p);
	/* Field 22, the start time: the 20th after the command's ") ". */
	p += 2;
	for (int i = 1; i < 20 && p; i++)
		p = strchr(p + 1, ' ');
	ASSERT_NE(NULL, p);
	sscanf(p, " %63s", start);
	first_line("/proc/sys/kernel/random/boot_id", boot, sizeof(boot));
	snprintf(path, sizeof(path), "%s/run.owner", self->state);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "%d %s %s\n", (int)getpid(), start, boot);
	fclose(f);
	snprintf(path, sizeof(path), "run --vfio %s --out %s/r --filter 'caps_kernel.*'", self->to_vfio, self->out);
	EXPECT_EQ(2, inner_cmd(self, path, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(err, "another iommu-lab run")) TH_LOG("%s", err);
	EXPECT_EQ(2, inner_cmd(self, "restore", err, sizeof(err))) TH_LOG("%s", err);
	snprintf(path, sizeof(path), "%s/run.owner", self->state);
	EXPECT_EQ(0, access(path, F_OK)) TH_LOG("restore removed a live run's record");
}

TEST_HARNESS_MAIN
