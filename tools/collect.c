// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-lab-collect: turn one kselftest harness program's TAP output (stdin)
 * into a nested KTAP subtest block and one JSON record per test.
 *
 * Tests attach an engine and metrics to their result by printing
 *   # lab-record engine {"name":"edu","kind":"emulated"}
 *   # lab-record metric {"name":"pairs_per_s","value":123,"unit":"1/s"}
 * between their RUN and result lines (lib/lab_test.h does this).
 *
 * Tests that the program listed (-l output, --list) but never reported, e.g.
 * because it crashed or was killed, are recorded as NOTRUN; the one that was
 * running at that moment as FAIL (crash) or TIMEOUT (killed by the runner's
 * timeout: --killed-by-timeout, or a final "# lab-exit 137" line the runner
 * appends with the program's exit status).
 * --plan FILE names the tests the run selected (ids "program.test", one per
 * line): they replace --list, so a filtered run reports only what it chose.
 * --print-list FILE prints the test names of a -l listing, one per line.
 *
 * The scripts write every other JSON record through two modes of this tool, so
 * that lib/json.c is the only code that escapes a string:
 *   --record MEMBER...   one object on one line (MEMBER: lab_json_args() in
 *                        lib/json.h: KEY=TEXT, KEY:=VALUE, KEY:{ ... }, KEY:[ ... ])
 *   --record-each KEY    one object {KEY: line} per line of stdin
 * and commit them with
 *   --commit FILE [--append]  stdin becomes FILE's content (or is appended to
 *                        it) as one crash-safe step (lib/commit.h)
 * The records of results.jsonl (--json) and the KTAP block (--ktap) are
 * committed the same way, each record and each block whole: a run killed at
 * any point leaves these files as they were or with the whole new part.
 * Exit status: 0 no test failed (a record written), 1 a test failed, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lab_results.h"

#define MAX_TESTS 4096

struct test {
	char name[256];
	enum lab_verdict verdict;
	char reason[512];
	char first_log[512];	/* the first line the test logged: a failure's reason */
	char engine[512];	/* raw JSON object, "" if none */
	char *metrics;		/* raw JSON objects joined by ',' */
	double duration_ms;
	bool reported;
};

static struct opts {
	const char *program, *platform, *kernel, *run_id, *list, *ktap, *json, *log, *stream;
	const char *print_list, *plan;
	int index;
	bool timed_out;
} o = { .platform = "unknown", .kernel = "unknown", .run_id = "", .index = 1 };

static struct test tests[MAX_TESTS];
static int ntests, planned = -1;
static FILE *streamf, *logf_;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct test *find_or_add(const char *name)
{
	for (int i = 0; i < ntests; i++)
		if (!strcmp(tests[i].name, name))
			return &tests[i];
	if (ntests == MAX_TESTS)
		return NULL;
	snprintf(tests[ntests].name, sizeof(tests[ntests].name), "%s", name);
	tests[ntests].verdict = LAB_NOTRUN;
	return &tests[ntests++];
}

/*
 * The harness's -l listing: a header naming the FIXTURE/VARIANT/TEST columns,
 * then per fixture the variants and tests in parallel columns (blank cells
 * repeat nothing) and a dashed separator. The tests it will run are, per
 * fixture, every variant crossed with every test, variant-major.
 */
static void load_list(const char *path)
{
	char line[512], fixture[128] = "", variants[64][64], names[256][128];
	int vcol = -1, tcol = -1, nv = 0, nn = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (1) {
		bool eof = !fgets(line, sizeof(line), f);
		bool sep = eof || !strncmp(line, "---", 3);

		if (!eof && vcol < 0) {
			char *v = strstr(line, "VARIANT"), *t = strstr(line, "TEST");

			if (strstr(line, "FIXTURE") && v && t) {
				vcol = (int)(v - line);
				tcol = (int)(t - line);
			}
			continue;
		}
		if (sep) {
			for (int v = 0; v < (nv ? nv : 1); v++)
				for (int t = 0; t < nn; t++) {
					char full[256];

					if (nv && variants[v][0])
						snprintf(full, sizeof(full), "%s.%s.%s", fixture, variants[v], names[t]);
					else
						snprintf(full, sizeof(full), "%s.%s", fixture, names[t]);
					find_or_add(full);
				}
			nv = nn = 0;
			if (eof)
				break;
			continue;
		}
		line[strcspn(line, "\n")] = 0;
		if ((int)strlen(line) < tcol)
			memset(line + strlen(line), ' ', (size_t)tcol - strlen(line) + 1), line[tcol + 1] = 0;
		{
			char fx[128] = "", va[64] = "", te[128] = "";

			sscanf(line, "%127s", fx);
			if (line[0] != ' ' && fx[0])
				snprintf(fixture, sizeof(fixture), "%s", fx);
			sscanf(line + vcol, "%63s", va);
			sscanf(line + tcol, "%127s", te);
			if (line[vcol] != ' ' && va[0] && nv < 64)
				snprintf(variants[nv++], sizeof(variants[0]), "%s", va);
			if (te[0] && nn < 256)
				snprintf(names[nn++], sizeof(names[0]), "%s", te);
		}
	}
	fclose(f);
}

/* A plan file: "program.test" per line; the program prefix is dropped. */
static void load_plan(const char *path)
{
	size_t plen = strlen(o.program);
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, o.program, plen) && line[plen] == '.')
			find_or_add(line + plen + 1);
	}
	fclose(f);
}

/* A one-member record: the runner's stream says what starts, and what is planned. */
static void write_line_record(FILE *out, const char *key, const char *val)
{
	struct lab_json j;

	lab_json_init(&j, out, false);
	lab_json_obj(&j, NULL);
	lab_json_str(&j, key, val);
	lab_json_end(&j);
	fputc('\n', out);
	fflush(out);
}

/* --record MEMBER...: printed only once every member is valid. */
static int record(int argc, char **argv)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	struct lab_json j;
	const char *err;
	int bad;

	if (!m)
		return 1;
	lab_json_init(&j, m, false);
	err = lab_json_args(&j, argc, argv, &bad);
	fclose(m);
	if (err && bad < argc)
		fprintf(stderr, "iommu-lab-collect: --record: '%s': %s\n", argv[bad], err);
	else if (err)
		fprintf(stderr, "iommu-lab-collect: --record: %s\n", err);
	else
		printf("%s\n", text);
	free(text);
	return err ? 2 : fflush(stdout) ? 1 : 0;
}

/* --record-each KEY: a record per line of stdin (a run's plan, for the stream). */
static int record_each(const char *key)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (n && line[n - 1] == '\n')
			line[n - 1] = '\0';
		write_line_record(stdout, key, line);
	}
	free(line);
	return ferror(stdout) ? 1 : 0;
}

/* Stdin committed to PATH whole (lib/commit.h). */
static int commit(const char *path, bool append)
{
	char *text = NULL, buf[65536];
	size_t len = 0, n;
	FILE *m = open_memstream(&text, &len);
	int ret;

	if (!m)
		return 1;
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		fwrite(buf, 1, n, m);
	fclose(m);
	ret = ferror(stdin) ? -EIO : lab_commit_file(path, text, len, append);
	if (ret)
		fprintf(stderr, "iommu-lab-collect: --commit %s: %s\n", path, strerror(-ret));
	free(text);
	return ret ? 1 : 0;
}

/* What M collected, committed to PATH as one append: whole or not at all. */
static void commit_append(FILE *m, char **text, size_t *len, const char *path)
{
	int ret;

	fclose(m);
	ret = lab_commit_file(path, *text, *len, true);
	if (ret) {
		fprintf(stderr, "iommu-lab-collect: %s: %s\n", path, strerror(-ret));
		exit(2);
	}
	free(*text);
}

static void write_record(const struct test *t)
{
	char *text = NULL;
	size_t len = 0;
	/* results.jsonl: each record committed whole; the stream is a channel, appended. */
	FILE *outs[2] = { o.json ? open_memstream(&text, &len) : NULL, streamf };

	for (int i = 0; i < 2; i++) {
		struct lab_json j;
		char id[600];

		if (!outs[i])
			continue;
		snprintf(id, sizeof(id), "%s.%s", o.program, t->name);
		lab_json_init(&j, outs[i], false);
		lab_json_obj(&j, NULL);
		lab_json_str(&j, "id", id);
		lab_json_str(&j, "program", o.program);
		lab_json_str(&j, "test", t->name);
		lab_json_str(&j, "verdict", lab_verdict_name(t->verdict));
		lab_json_str(&j, "reason", t->reason[0] ? t->reason : NULL);
		if (t->engine[0])
			lab_json_raw(&j, "engine", t->engine);
		else
			lab_json_null(&j, "engine");
		lab_json_str(&j, "platform", o.platform);
		lab_json_str(&j, "kernel", o.kernel);
		lab_json_str(&j, "run_id", o.run_id);
		lab_json_double(&j, "duration_ms", t->duration_ms);
		lab_json_arr(&j, "metrics");
		if (t->metrics)		/* the tests' own objects, joined by ',' */
			lab_json_raw(&j, NULL, t->metrics);
		lab_json_end(&j);
		lab_json_end(&j);
		fputc('\n', outs[i]);
		fflush(outs[i]);
	}
	if (outs[0])
		commit_append(outs[0], &text, &len, o.json);
}

/* A record the test hands over goes into results.jsonl as written, so only a
 * whole JSON object that fits is taken; anything else (a line cut by a
 * crashing child, two lines interleaved) is named on stderr and left out. */
static bool record_ok(const char *kind, const char *json, size_t max)
{
	if (strlen(json) < max && lab_json_is_object(json))
		return true;
	fprintf(stderr, "iommu-lab-collect: a lab-record %s that is not one JSON object%s left out: %.200s\n",
		kind, strlen(json) < max ? "" : " (too long)", json);
	return false;
}

static void add_record(struct test *t, const char *rec)
{
	if (!strncmp(rec, "engine ", 7) && record_ok("engine", rec + 7, sizeof(t->engine))) {
		snprintf(t->engine, sizeof(t->engine), "%s", rec + 7);
	} else if (!strncmp(rec, "metric ", 7) && record_ok("metric", rec + 7, SIZE_MAX)) {
		size_t old = t->metrics ? strlen(t->metrics) : 0, add = strlen(rec + 7);
		char *m = realloc(t->metrics, old + add + 2);

		if (!m)
			return;
		if (old)
			m[old++] = ',';
		memcpy(m + old, rec + 7, add + 1);
		t->metrics = m;
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: iommu-lab-collect --program NAME [--index N] [--platform ID] [--kernel REL]\n"
		"       [--run-id ID] [--list FILE | --plan FILE] [--ktap FILE] [--json FILE] [--stream FILE]\n"
		"       [--log FILE] [--killed-by-timeout]  < harness-output\n"
		"       iommu-lab-collect --program NAME --print-list FILE\n"
		"       iommu-lab-collect --record MEMBER...  (KEY=TEXT KEY:=VALUE KEY:{ ... } KEY:[ { ... } ])\n"
		"       iommu-lab-collect --record-each KEY  < lines\n"
		"       iommu-lab-collect --commit FILE [--append]  < content\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "program", 1, 0, 'p' }, { "index", 1, 0, 'i' }, { "platform", 1, 0, 'P' },
		{ "kernel", 1, 0, 'k' }, { "run-id", 1, 0, 'r' }, { "list", 1, 0, 'l' },
		{ "ktap", 1, 0, 't' }, { "json", 1, 0, 'j' }, { "stream", 1, 0, 's' },
		{ "log", 1, 0, 'L' }, { "killed-by-timeout", 0, 0, 'T' }, { "print-list", 1, 0, 'Q' }, { "plan", 1, 0, 'N' },
		{ 0 }
	};
	int c;
	char *end;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p': o.program = optarg; break;
		case 'i':
			o.index = (int)strtol(optarg, &end, 10);
			if (*end || o.index < 1) {
				fprintf(stderr, "iommu-lab-collect: --index needs a positive number, got '%s'\n", optarg);
				exit(2);
			}
			break;
		case 'P': o.platform = optarg; break;
		case 'k': o.kernel = optarg; break;
		case 'r': o.run_id = optarg; break;
		case 'l': o.list = optarg; break;
		case 't': o.ktap = optarg; break;
		case 'j': o.json = optarg; break;
		case 's': o.stream = optarg; break;
		case 'L': o.log = optarg; break;
		case 'T': o.timed_out = true; break;
		case 'Q': o.print_list = optarg; break;
		case 'N': o.plan = optarg; break;
		default: usage();
		}
	}
	if (!o.program || optind != argc)
		usage();
}

static FILE *open_append(const char *path)
{
	FILE *f;

	if (!path)
		return NULL;
	f = fopen(path, "a");
	if (!f) {
		fprintf(stderr, "iommu-lab-collect: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return f;
}

int main(int argc, char **argv)
{
	char line[4096], *running = NULL;
	struct lab_tap_line tl;
	struct test *cur = NULL;
	double t0 = 0;
	int fails = 0, unnamed = 0;
	FILE *ktapf;
	struct lab_ktap k;

	if (argc > 1 && !strcmp(argv[1], "--record"))
		return record(argc - 2, argv + 2);
	if (argc == 3 && !strcmp(argv[1], "--record-each"))
		return record_each(argv[2]);
	if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "--append"))) && !strcmp(argv[1], "--commit"))
		return commit(argv[2], argc == 4);
	parse_args(argc, argv);
	if (o.print_list) {
		load_list(o.print_list);
		for (int i = 0; i < ntests; i++)
			printf("%s.%s\n", o.program, tests[i].name);
		return 0;
	}
	if (o.plan)
		load_plan(o.plan);
	else if (o.list)
		load_list(o.list);
	if (o.json)	/* created now, so that a run's results.jsonl exists from its first program */
		fclose(open_append(o.json));
	streamf = open_append(o.stream);
	logf_ = open_append(o.log);

	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = 0;
		if (logf_) {
			fprintf(logf_, "%s\n", line);
			fflush(logf_);
		}
		switch (lab_tap_parse(line, &tl)) {
		case LAB_TAP_PLAN:
			planned = tl.number;
			break;
		case LAB_TAP_RUN:
			/* Streamed so that a host watching a guest knows what was running if it dies. */
			if (streamf) {
				char id[600];

				snprintf(id, sizeof(id), "%s.%s", o.program, tl.name);
				write_line_record(streamf, "running", id);
			}
			cur = find_or_add(tl.name);
			t0 = now_ms();
			free(running);
			running = strdup(tl.name);
			break;
		case LAB_TAP_DIAG:
			if (!strncmp(tl.reason, "lab-exit ", 9)) {
				o.timed_out |= atoi(tl.reason + 9) == 137;
				break;
			}
			if (cur && !strncmp(tl.reason, "lab-record ", 11))
				add_record(cur, tl.reason + 11);
			else if (cur && strstr(tl.reason, "Test terminated by timeout"))
				cur->verdict = LAB_TIMEOUT;
			else if (cur && !cur->first_log[0] &&
				 (strstr(tl.reason, "Expected") || strstr(tl.reason, "terminated")))
				snprintf(cur->first_log, sizeof(cur->first_log), "%s", tl.reason);
			break;
		case LAB_TAP_RESULT: {
			struct test *t = find_or_add(tl.name);

			if (!t)
				break;
			if (t->verdict != LAB_TIMEOUT)
				t->verdict = !tl.ok ? LAB_FAIL : !strcmp(tl.directive, "SKIP") ? LAB_SKIP :
					     !strcmp(tl.directive, "XFAIL") ? LAB_XFAIL : LAB_PASS;
			snprintf(t->reason, sizeof(t->reason), "%s", tl.reason);
			if (t->verdict == LAB_FAIL && !t->reason[0])
				snprintf(t->reason, sizeof(t->reason), "%s", t->first_log);
			if (t->verdict == LAB_TIMEOUT && !t->reason[0])
				snprintf(t->reason, sizeof(t->reason), "harness per-test timeout");
			t->duration_ms = t == cur ? now_ms() - t0 : 0;
			t->reported = true;
			write_record(t);
			cur = NULL;
			free(running);
			running = NULL;
			break;
		}
		default:
			break;
		}
	}

	/* What the program did not report: the one running when it died, then the rest. */
	for (int i = 0; i < ntests; i++) {
		struct test *t = &tests[i];

		if (t->reported)
			continue;
		if (running && !strcmp(t->name, running)) {
			t->verdict = o.timed_out ? LAB_TIMEOUT : LAB_FAIL;
			snprintf(t->reason, sizeof(t->reason), "%s", o.timed_out ?
				 "program killed by the runner's timeout during this test" :
				 "program ended during this test (crash?)");
			t->duration_ms = now_ms() - t0;
		} else {
			t->verdict = LAB_NOTRUN;
			snprintf(t->reason, sizeof(t->reason), "program ended before this test ran");
		}
		write_record(t);
	}
	if (planned > ntests) {
		/* Planned but never named (no --list): keep the count honest. */
		unnamed = planned - ntests;
	}

	char *ktext = NULL;
	size_t klen = 0;

	ktapf = o.ktap ? open_memstream(&ktext, &klen) : stdout;
	if (!ktapf)
		exit(2);
	lab_ktap_init(&k, ktapf, 1);
	lab_ktap_header(&k, o.program, ntests + unnamed);
	for (int i = 0; i < ntests; i++) {
		lab_ktap_result(&k, tests[i].verdict, tests[i].name, tests[i].reason);
		fails += tests[i].verdict == LAB_FAIL || tests[i].verdict == LAB_TIMEOUT;
	}
	for (int i = 0; i < unnamed; i++) {
		char name[32];

		snprintf(name, sizeof(name), "unnamed_%d", i + 1);
		lab_ktap_result(&k, LAB_NOTRUN, name, "program ended before this test ran");
	}
	fails += unnamed > 0 || planned < 0;
	lab_ktap_init(&k, ktapf, 0);
	k.next = o.index;
	lab_ktap_result(&k, fails ? LAB_FAIL : LAB_PASS, o.program,
			planned < 0 ? "program printed no test plan" : NULL);
	if (ktapf != stdout)
		commit_append(ktapf, &ktext, &klen, o.ktap);
	for (int i = 0; i < ntests; i++)
		free(tests[i].metrics);
	free(running);
	return fails ? 1 : 0;
}
