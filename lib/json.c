// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <math.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"

void lab_json_init(struct lab_json *j, FILE *out, bool pretty)
{
	j->out = out;
	j->depth = 0;
	j->first[0] = true;
	j->pretty = pretty;
}

void lab_json_quote(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	for (; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

/* Separator, indentation and "key": before a member. */
static void member(struct lab_json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
	if (j->pretty && j->depth > 0) {
		fputc('\n', j->out);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->out);
	}
	if (key) {
		lab_json_quote(j->out, key);
		fputs(j->pretty ? ": " : ":", j->out);
	}
}

static void open_(struct lab_json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->out);
	if (j->depth + 1 < LAB_JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
	j->close[j->depth] = c == '{' ? '}' : ']';
}

void lab_json_obj(struct lab_json *j, const char *key) { open_(j, key, '{'); }
void lab_json_arr(struct lab_json *j, const char *key) { open_(j, key, '['); }

void lab_json_end(struct lab_json *j)
{
	bool empty = j->first[j->depth];
	char close = j->close[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (j->pretty && !empty) {
		fputc('\n', j->out);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->out);
	}
	fputc(close, j->out);
}

void lab_json_str(struct lab_json *j, const char *key, const char *val)
{
	member(j, key);
	if (val)
		lab_json_quote(j->out, val);
	else
		fputs("null", j->out);
}

void lab_json_int(struct lab_json *j, const char *key, int64_t val)
{
	member(j, key);
	fprintf(j->out, "%" PRId64, val);
}

void lab_json_uint(struct lab_json *j, const char *key, uint64_t val)
{
	member(j, key);
	fprintf(j->out, "%" PRIu64, val);
}

void lab_json_hex(struct lab_json *j, const char *key, uint64_t val)
{
	member(j, key);
	fprintf(j->out, "\"0x%" PRIx64 "\"", val);
}

void lab_json_double(struct lab_json *j, const char *key, double val)
{
	member(j, key);
	if (isfinite(val))
		fprintf(j->out, "%.6g", val);
	else
		fputs("null", j->out);
}

void lab_json_bool(struct lab_json *j, const char *key, bool val)
{
	member(j, key);
	fputs(val ? "true" : "false", j->out);
}

void lab_json_null(struct lab_json *j, const char *key)
{
	member(j, key);
	fputs("null", j->out);
}

void lab_json_raw(struct lab_json *j, const char *key, const char *json)
{
	member(j, key);
	fputs(json, j->out);
}

static const char *digits(const char *s)
{
	const char *d = s;

	while (isdigit((unsigned char)*d))
		d++;
	return d > s ? d : NULL;
}

/* JSON's number syntax only: strtod would also take hex, inf and nan. */
const char *lab_json_number_end(const char *s)
{
	if (*s == '-')
		s++;
	if (!(s = *s == '0' ? s + 1 : digits(s)))
		return NULL;
	if (*s == '.' && !(s = digits(s + 1)))
		return NULL;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		s = digits(s);
	}
	return s;
}

static bool json_literal(const char *v)
{
	const char *end = lab_json_number_end(v);

	return (end && !*end) || !strcmp(v, "true") || !strcmp(v, "false") || !strcmp(v, "null");
}

/* open_() stops counting at the maximum depth: refuse to open past it. */
static bool too_deep(const struct lab_json *j)
{
	return j->depth + 2 > LAB_JSON_MAX_DEPTH;
}

/* One member argument inside an object: KEY=TEXT, KEY:=VALUE, KEY:{ or KEY:[. */
static const char *json_member_arg(struct lab_json *j, const char *arg)
{
	size_t klen = strcspn(arg, ":=");
	const char *rest = arg + klen, *err = NULL;
	char *key;

	if (!klen || !*rest)
		return "not KEY=TEXT, KEY:=VALUE, KEY:{ or KEY:[";
	key = strndup(arg, klen);
	if (!key)
		return "out of memory";
	if (*rest == '=')
		lab_json_str(j, key, rest + 1);
	else if (rest[1] == '=' && json_literal(rest + 2))
		lab_json_raw(j, key, rest + 2);
	else if (rest[1] == '=')
		err = "KEY:= takes a number, true, false or null";
	else if ((rest[1] == '{' || rest[1] == '[') && !rest[2] && too_deep(j))
		err = "nested too deeply";
	else if ((rest[1] == '{' || rest[1] == '[') && !rest[2])
		open_(j, key, rest[1]);
	else
		err = "not KEY=TEXT, KEY:=VALUE, KEY:{ or KEY:[";
	free(key);
	return err;
}

const char *lab_json_args(struct lab_json *j, int argc, char *const argv[], int *bad)
{
	const char *err = NULL;

	lab_json_obj(j, NULL);
	for (*bad = 0; *bad < argc && !err; ++*bad) {
		const char *a = argv[*bad];
		bool in_array = j->close[j->depth] == ']';

		if ((!strcmp(a, "}") || !strcmp(a, "]")) && j->depth > 1 && j->close[j->depth] == a[0])
			lab_json_end(j);
		else if (!strcmp(a, "}") || !strcmp(a, "]"))
			err = "closes nothing open";
		else if (in_array && strcmp(a, "{"))
			err = "an array holds objects: '{' ... '}'";
		else if (in_array && too_deep(j))
			err = "nested too deeply";
		else if (in_array)
			lab_json_obj(j, NULL);
		else
			err = json_member_arg(j, a);
	}
	if (err) {
		--*bad;
		return err;
	}
	if (j->depth != 1)
		return "an object or array is not closed";
	lab_json_end(j);
	return NULL;
}
