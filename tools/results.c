// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-lab-results: flatten a run's JSON into tab-separated lines for
 * `iommu-lab report` and `iommu-lab compare`, which are bash and awk: JSON
 * parsed with sed breaks on the first escaped quote, and jq is not on every
 * lab host.
 *
 *   iommu-lab-results FILE.jsonl       (results.jsonl) one line per record, then one per metric:
 *     R id program verdict reason engine-name engine-kind platform kernel domain_mode duration_ms
 *     M id name value unit lo hi
 *   iommu-lab-results --run RUN.json   one "K key value" line per scalar member of run.json
 *   iommu-lab-results --flat FILE      any JSON document (fio's output, iommu-lab-io-stats'):
 *     one "path value" line per scalar, keys joined with '.', array elements
 *     numbered from 0 (text before the first '{' or '[', such as fio's notes, is skipped)
 *   iommu-lab-results --get KEY [-z] FILE   every record's scalar member KEY, one per line
 *     (-z: exactly as written, each ended by a NUL), in the file's order
 *   iommu-lab-results --select KEY FILE     the lines of the records that have a member KEY
 * --get and --select read JSON Lines (run.json, vm.json and stream.jsonl too); a
 * last line without its newline that does not parse is a record cut off while
 * it was written (a guest that died, a stream still growing) and is skipped.
 *
 * Absent and null fields are empty; tabs and newlines inside strings become
 * spaces (but for --get -z); numbers are printed as written. Input that breaks
 * the record schema (results/schema.json) is refused with the file and line.
 * Exit status: 0, 1 bad input (the message says where), 2 usage error.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lab_results.h"

/* Text on one line of one tab-separated field: tabs and line breaks become spaces. */
static void put_text(const char *s)
{
	for (; *s; s++)
		putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

/* Print a field: the text of a string, number or bool; nothing for null or absent. */
static void field(const struct lab_jv *v)
{
	putchar('\t');
	if (!v || !v->text || v->type == LAB_J_ARR || v->type == LAB_J_OBJ)
		return;
	put_text(v->text);
}

static const char *const verdicts[] = { "PASS", "FAIL", "SKIP", "NOTRUN", "TIMEOUT", "XFAIL" };

static bool is_verdict(const struct lab_jv *v)
{
	if (!v || v->type != LAB_J_STR)
		return false;
	for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (!strcmp(v->text, verdicts[i]))
			return true;
	return false;
}

/* One results.jsonl record; returns an error message or NULL. */
static const char *print_record(const struct lab_jv *r)
{
	const struct lab_jv *id = lab_jv_member(r, "id"), *engine = lab_jv_member(r, "engine"), *metrics = lab_jv_member(r, "metrics");

	if (r->type != LAB_J_OBJ)
		return "not a JSON object";
	if (!id || id->type != LAB_J_STR || !*id->text)
		return "no \"id\" string";
	if (!is_verdict(lab_jv_member(r, "verdict")))
		return "no valid \"verdict\"";
	if (metrics && metrics->type != LAB_J_ARR)
		return "\"metrics\" is not an array";
	for (const struct lab_jv *m = metrics ? metrics->child : NULL; m; m = m->next) {
		const struct lab_jv *name = lab_jv_member(m, "name"), *value = lab_jv_member(m, "value"), *unit = lab_jv_member(m, "unit");
		const struct lab_jv *lo = lab_jv_member(m, "lo"), *hi = lab_jv_member(m, "hi");

		if (!name || name->type != LAB_J_STR || !value || value->type != LAB_J_NUM ||
		    !unit || unit->type != LAB_J_STR)
			return "a metric lacks a string name, a numeric value or a string unit";
		if ((lo && lo->type != LAB_J_NUM) || (hi && hi->type != LAB_J_NUM))
			return "a metric's lo or hi is not a number";
	}

	fputs("R", stdout);
	field(id);
	field(lab_jv_member(r, "program"));
	field(lab_jv_member(r, "verdict"));
	field(lab_jv_member(r, "reason"));
	field(engine ? lab_jv_member(engine, "name") : NULL);
	field(engine ? lab_jv_member(engine, "kind") : NULL);
	field(lab_jv_member(r, "platform"));
	field(lab_jv_member(r, "kernel"));
	field(lab_jv_member(r, "domain_mode"));
	field(lab_jv_member(r, "duration_ms"));
	putchar('\n');
	for (const struct lab_jv *m = metrics ? metrics->child : NULL; m; m = m->next) {
		fputs("M", stdout);
		field(id);
		field(lab_jv_member(m, "name"));
		field(lab_jv_member(m, "value"));
		field(lab_jv_member(m, "unit"));
		field(lab_jv_member(m, "lo"));
		field(lab_jv_member(m, "hi"));
		putchar('\n');
	}
	return NULL;
}

static const char *print_run(const struct lab_jv *r)
{
	if (r->type != LAB_J_OBJ)
		return "not a JSON object";
	for (const struct lab_jv *m = r->child; m; m = m->next) {
		if (m->type == LAB_J_ARR || m->type == LAB_J_OBJ)
			continue;
		fputs("K\t", stdout);
		put_text(m->key);
		field(m);
		putchar('\n');
	}
	return NULL;
}

/* --flat: every scalar under V, its path built in PATH (LEN bytes used). */
static void print_flat(const struct lab_jv *v, char *path, size_t len, size_t cap)
{
	if (v->type != LAB_J_ARR && v->type != LAB_J_OBJ) {
		fwrite(path, 1, len, stdout);
		putchar('\t');
		put_text(v->text ? v->text : "null");
		putchar('\n');
		return;
	}
	long i = 0;

	for (const struct lab_jv *m = v->child; m; m = m->next, i++) {
		int n = m->key ? snprintf(path + len, cap - len, "%s%s", len ? "." : "", m->key) :
				 snprintf(path + len, cap - len, "%s%ld", len ? "." : "", i);

		if (n < 0 || (size_t)n >= cap - len)
			continue;	/* a path longer than any fio writes */
		for (char *c = path + len; *c; c++)
			if (*c == '\t' || *c == '\n')
				*c = ' ';
		print_flat(m, path, len + n, cap);
		path[len] = '\0';
	}
}

static int flat(const char *path)
{
	const char *err;
	char *text = NULL, where[1024] = "";
	size_t cap = 0;
	struct lab_jv *v;
	FILE *f = fopen(path, "r");

	if (!f || getdelim(&text, &cap, '\0', f) < 0) {
		fprintf(stderr, "iommu-lab-results: cannot read %s\n", path);
		if (f)
			fclose(f);
		free(text);
		return 1;
	}
	fclose(f);
	v = lab_json_parse(text + strcspn(text, "{["), NULL, &err);
	if (!v) {
		fprintf(stderr, "iommu-lab-results: %s: %s\n", path, err);
		free(text);
		return 1;
	}
	print_flat(v, where, 0, sizeof(where));
	lab_jv_free(v);
	free(text);
	return 0;
}

static struct opts {
	enum { RECORDS, RUN, FLAT, GET, SELECT } mode;
	const char *key;	/* --get, --select */
	bool nul;		/* --get -z */
} o;

/* --get: the record's member KEY, if it has it. */
static const char *print_get(const struct lab_jv *r)
{
	const struct lab_jv *v = r->type == LAB_J_OBJ ? lab_jv_member(r, o.key) : NULL;

	if (!v)
		return NULL;
	if (v->type == LAB_J_ARR || v->type == LAB_J_OBJ)
		return "the member is not a string, number, bool or null";
	if (o.nul)
		fputs(v->text ? v->text : "", stdout);
	else
		put_text(v->text ? v->text : "");
	putchar(o.nul ? '\0' : '\n');
	return NULL;
}

/* One line of a JSON Lines file, parsed into R; returns an error message or NULL. */
static const char *print_line(const struct lab_jv *r, const char *line)
{
	switch (o.mode) {
	case RUN:
		return print_run(r);
	case GET:
		return print_get(r);
	case SELECT:
		if (r->type == LAB_J_OBJ && lab_jv_member(r, o.key))
			printf("%s%s", line, line[strlen(line) - 1] == '\n' ? "" : "\n");
		return NULL;
	default:
		return print_record(r);
	}
}

static int jsonl(const char *path)
{
	bool tolerant = o.mode == GET || o.mode == SELECT;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long n = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "iommu-lab-results: cannot open %s\n", path);
		return 1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		const char *err = NULL, *end = line;
		struct lab_jv *v;

		n++;
		if (!line[strspn(line, " \t\r\n")])
			continue;
		v = lab_json_parse(line, &end, &err);
		if (v)
			err = *end ? "text after the JSON value" : print_line(v, line);
		else if (tolerant && line[len - 1] != '\n')
			err = NULL;	/* cut off while it was written */
		lab_jv_free(v);
		if (err) {
			/* Where it broke, and the text there: CI keeps only this message. */
			fprintf(stderr, "iommu-lab-results: %s:%ld: %s at column %ld: ", path, n, err,
				(long)(end - line) + 1);
			for (const char *c = end > line + 60 ? end - 60 : line; *c && c < end + 60; c++)
				fputc(*c == '\n' ? ' ' : (unsigned char)*c < 0x20 ? '?' : *c, stderr);
			fputc('\n', stderr);
			free(line);
			fclose(f);
			return 1;
		}
		if (o.mode == RUN)	/* run.json is one object */
			break;
	}
	free(line);
	fclose(f);
	return fflush(stdout) ? 1 : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: iommu-lab-results RESULTS.jsonl | --run RUN.json | --flat FILE.json\n"
			"       iommu-lab-results --get KEY [-z] FILE.jsonl | --select KEY FILE.jsonl\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "run", 0, 0, 'r' }, { "flat", 0, 0, 'f' }, { "get", 1, 0, 'g' },
		{ "select", 1, 0, 's' }, { "null", 0, 0, 'z' }, { 0 }
	};
	int c, modes = 0;

	while ((c = getopt_long(argc, argv, "z", lo, NULL)) != -1) {
		switch (c) {
		case 'r': o.mode = RUN; modes++; break;
		case 'f': o.mode = FLAT; modes++; break;
		case 'g': o.mode = GET; o.key = optarg; modes++; break;
		case 's': o.mode = SELECT; o.key = optarg; modes++; break;
		case 'z': o.nul = true; break;
		default: return usage();
		}
	}
	if (modes > 1 || optind != argc - 1 || (o.nul && o.mode != GET))
		return usage();
	return o.mode == FLAT ? flat(argv[optind]) : jsonl(argv[optind]);
}
