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
#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lab_results.h"

#define MAX_DEPTH 32

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

/* A parsed value; containers hold their members as a list of children. */
struct jv {
	enum jtype type;
	char *key;		/* member name inside an object */
	char *text;		/* J_STR: decoded; J_NUM: as written; J_BOOL: "true"/"false" */
	struct jv *child, *next;
};

struct parser {
	const char *p;
	const char *err;
};

static void jv_free(struct jv *v)
{
	while (v) {
		struct jv *next = v->next;

		jv_free(v->child);
		free(v->key);
		free(v->text);
		free(v);
		v = next;
	}
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n')
		ps->p++;
}

static int hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		v = v * 16 + (isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10));
	}
	return v;
}

/* Append code point CP as UTF-8. */
static char *put_utf8(char *o, unsigned int cp)
{
	if (cp < 0x80) {
		*o++ = cp;
	} else if (cp < 0x800) {
		*o++ = 0xc0 | cp >> 6;
		*o++ = 0x80 | (cp & 0x3f);
	} else if (cp < 0x10000) {
		*o++ = 0xe0 | cp >> 12;
		*o++ = 0x80 | (cp >> 6 & 0x3f);
		*o++ = 0x80 | (cp & 0x3f);
	} else {
		*o++ = 0xf0 | cp >> 18;
		*o++ = 0x80 | (cp >> 12 & 0x3f);
		*o++ = 0x80 | (cp >> 6 & 0x3f);
		*o++ = 0x80 | (cp & 0x3f);
	}
	return o;
}

/* A string literal at ps->p (on the opening quote); returns it decoded. */
static char *parse_string(struct parser *ps)
{
	const char *s = ++ps->p;
	char *out = malloc(strlen(s) + 1), *o = out;	/* decoding never grows it */

	while (*s && *s != '"') {
		if ((unsigned char)*s < 0x20)
			goto bad;
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case '"': case '\\': case '/': *o++ = *s; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			int cp = hex4(s + 1), lo;

			if (cp < 0)
				goto bad;
			s += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && s[1] == '\\' && s[2] == 'u' &&
			    (lo = hex4(s + 3)) >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			o = put_utf8(o, cp);
			break;
		}
		default:
			goto bad;
		}
		s++;
	}
	if (*s != '"')
		goto bad;
	*o = '\0';
	ps->p = s + 1;
	return out;
bad:
	free(out);
	ps->err = "bad string";
	return NULL;
}

static struct jv *parse_value(struct parser *ps, int depth);

/* The members of an object or array; ps->p is just past the opening bracket. */
static bool parse_members(struct parser *ps, struct jv *v, char close, int depth)
{
	struct jv **tail = &v->child;

	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return true;
	}
	for (;;) {
		char *key = NULL;
		struct jv *m;

		skip_ws(ps);
		if (close == '}') {
			if (*ps->p != '"' || !(key = parse_string(ps)))
				return ps->err = "expected a member name", false;
			skip_ws(ps);
			if (*ps->p++ != ':') {
				free(key);
				return ps->err = "expected ':'", false;
			}
		}
		m = parse_value(ps, depth + 1);
		if (!m) {
			free(key);
			return false;
		}
		m->key = key;
		*tail = m;
		tail = &m->next;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p++ == close)
			return true;
		return ps->err = "expected ',' or a closing bracket", false;
	}
}

static struct jv *parse_value(struct parser *ps, int depth)
{
	struct jv *v = calloc(1, sizeof(*v));
	const char *start;

	if (depth > MAX_DEPTH) {
		ps->err = "nested too deeply";
		goto bad;
	}
	skip_ws(ps);
	start = ps->p;
	if (*ps->p == '{' || *ps->p == '[') {
		v->type = *ps->p == '{' ? J_OBJ : J_ARR;
		ps->p++;
		if (!parse_members(ps, v, v->type == J_OBJ ? '}' : ']', depth))
			goto bad;
	} else if (*ps->p == '"') {
		v->type = J_STR;
		if (!(v->text = parse_string(ps)))
			goto bad;
	} else if (!strncmp(ps->p, "null", 4)) {
		v->type = J_NULL;
		ps->p += 4;
	} else if (!strncmp(ps->p, "true", 4) || !strncmp(ps->p, "false", 5)) {
		v->type = J_BOOL;
		v->text = strdup(*ps->p == 't' ? "true" : "false");
		ps->p += *ps->p == 't' ? 4 : 5;
	} else {
		const char *end = lab_json_number_end(start);

		if (!end || !isfinite(strtod(start, NULL))) {
			ps->err = "expected a value";
			goto bad;
		}
		v->type = J_NUM;
		v->text = strndup(start, end - start);
		ps->p = end;
	}
	return v;
bad:
	jv_free(v);
	return NULL;
}

static struct jv *member(const struct jv *obj, const char *key)
{
	for (struct jv *m = obj ? obj->child : NULL; m; m = m->next)
		if (m->key && !strcmp(m->key, key))
			return m;
	return NULL;
}

/* Text on one line of one tab-separated field: tabs and line breaks become spaces. */
static void put_text(const char *s)
{
	for (; *s; s++)
		putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

/* Print a field: the text of a string, number or bool; nothing for null or absent. */
static void field(const struct jv *v)
{
	putchar('\t');
	if (!v || !v->text || v->type == J_ARR || v->type == J_OBJ)
		return;
	put_text(v->text);
}

static const char *const verdicts[] = { "PASS", "FAIL", "SKIP", "NOTRUN", "TIMEOUT", "XFAIL" };

static bool is_verdict(const struct jv *v)
{
	if (!v || v->type != J_STR)
		return false;
	for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (!strcmp(v->text, verdicts[i]))
			return true;
	return false;
}

/* One results.jsonl record; returns an error message or NULL. */
static const char *print_record(const struct jv *r)
{
	const struct jv *id = member(r, "id"), *engine = member(r, "engine"), *metrics = member(r, "metrics");

	if (r->type != J_OBJ)
		return "not a JSON object";
	if (!id || id->type != J_STR || !*id->text)
		return "no \"id\" string";
	if (!is_verdict(member(r, "verdict")))
		return "no valid \"verdict\"";
	if (metrics && metrics->type != J_ARR)
		return "\"metrics\" is not an array";
	for (const struct jv *m = metrics ? metrics->child : NULL; m; m = m->next) {
		const struct jv *name = member(m, "name"), *value = member(m, "value"), *unit = member(m, "unit");
		const struct jv *lo = member(m, "lo"), *hi = member(m, "hi");

		if (!name || name->type != J_STR || !value || value->type != J_NUM ||
		    !unit || unit->type != J_STR)
			return "a metric lacks a string name, a numeric value or a string unit";
		if ((lo && lo->type != J_NUM) || (hi && hi->type != J_NUM))
			return "a metric's lo or hi is not a number";
	}

	fputs("R", stdout);
	field(id);
	field(member(r, "program"));
	field(member(r, "verdict"));
	field(member(r, "reason"));
	field(engine ? member(engine, "name") : NULL);
	field(engine ? member(engine, "kind") : NULL);
	field(member(r, "platform"));
	field(member(r, "kernel"));
	field(member(r, "domain_mode"));
	field(member(r, "duration_ms"));
	putchar('\n');
	for (const struct jv *m = metrics ? metrics->child : NULL; m; m = m->next) {
		fputs("M", stdout);
		field(id);
		field(member(m, "name"));
		field(member(m, "value"));
		field(member(m, "unit"));
		field(member(m, "lo"));
		field(member(m, "hi"));
		putchar('\n');
	}
	return NULL;
}

static const char *print_run(const struct jv *r)
{
	if (r->type != J_OBJ)
		return "not a JSON object";
	for (const struct jv *m = r->child; m; m = m->next) {
		if (m->type == J_ARR || m->type == J_OBJ)
			continue;
		fputs("K\t", stdout);
		put_text(m->key);
		field(m);
		putchar('\n');
	}
	return NULL;
}

/* --flat: every scalar under V, its path built in PATH (LEN bytes used). */
static void print_flat(const struct jv *v, char *path, size_t len, size_t cap)
{
	if (v->type != J_ARR && v->type != J_OBJ) {
		fwrite(path, 1, len, stdout);
		putchar('\t');
		put_text(v->text ? v->text : "null");
		putchar('\n');
		return;
	}
	long i = 0;

	for (const struct jv *m = v->child; m; m = m->next, i++) {
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
	struct parser ps = { 0 };
	char *text = NULL, where[1024] = "";
	size_t cap = 0;
	struct jv *v;
	FILE *f = fopen(path, "r");

	if (!f || getdelim(&text, &cap, '\0', f) < 0) {
		fprintf(stderr, "iommu-lab-results: cannot read %s\n", path);
		if (f)
			fclose(f);
		free(text);
		return 1;
	}
	fclose(f);
	ps.p = text + strcspn(text, "{[");
	v = parse_value(&ps, 0);
	if (!v) {
		fprintf(stderr, "iommu-lab-results: %s: %s\n", path, ps.err ? ps.err : "not JSON");
		free(text);
		return 1;
	}
	print_flat(v, where, 0, sizeof(where));
	jv_free(v);
	free(text);
	return 0;
}

static struct opts {
	enum { RECORDS, RUN, FLAT, GET, SELECT } mode;
	const char *key;	/* --get, --select */
	bool nul;		/* --get -z */
} o;

/* --get: the record's member KEY, if it has it. */
static const char *print_get(const struct jv *r)
{
	const struct jv *v = r->type == J_OBJ ? member(r, o.key) : NULL;

	if (!v)
		return NULL;
	if (v->type == J_ARR || v->type == J_OBJ)
		return "the member is not a string, number, bool or null";
	if (o.nul)
		fputs(v->text ? v->text : "", stdout);
	else
		put_text(v->text ? v->text : "");
	putchar(o.nul ? '\0' : '\n');
	return NULL;
}

/* One line of a JSON Lines file, parsed into R; returns an error message or NULL. */
static const char *print_line(const struct jv *r, const char *line)
{
	switch (o.mode) {
	case RUN:
		return print_run(r);
	case GET:
		return print_get(r);
	case SELECT:
		if (r->type == J_OBJ && member(r, o.key))
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
		struct parser ps = { .p = line };
		const char *err = NULL;
		struct jv *v;

		n++;
		skip_ws(&ps);
		if (!*ps.p)
			continue;
		v = parse_value(&ps, 0);
		if (v) {
			skip_ws(&ps);
			err = *ps.p ? "text after the JSON value" : print_line(v, line);
		} else if (tolerant && line[len - 1] != '\n') {
			err = NULL;	/* cut off while it was written */
		} else {
			err = ps.err ? ps.err : "not JSON";
		}
		jv_free(v);
		if (err) {
			fprintf(stderr, "iommu-lab-results: %s:%ld: %s\n", path, n, err);
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
