// SPDX-License-Identifier: GPL-2.0-only
/*
 * The JSON reader (json_read.h): a recursive-descent parser of one value into
 * a tree, strict about strings (no raw control characters, known escapes
 * only) and numbers (finite, as JSON spells them), kept as written.
 */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "json_read.h"

#define MAX_DEPTH 32


struct parser {
	const char *p;
	const char *err;
};

void lab_jv_free(struct lab_jv *v)
{
	while (v) {
		struct lab_jv *next = v->next;

		lab_jv_free(v->child);
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

static struct lab_jv *parse_value(struct parser *ps, int depth);

/* The members of an object or array; ps->p is just past the opening bracket. */
static bool parse_members(struct parser *ps, struct lab_jv *v, char close, int depth)
{
	struct lab_jv **tail = &v->child;

	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return true;
	}
	for (;;) {
		char *key = NULL;
		struct lab_jv *m;

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

static struct lab_jv *parse_value(struct parser *ps, int depth)
{
	struct lab_jv *v = calloc(1, sizeof(*v));
	const char *start;

	if (depth > MAX_DEPTH) {
		ps->err = "nested too deeply";
		goto bad;
	}
	skip_ws(ps);
	start = ps->p;
	if (*ps->p == '{' || *ps->p == '[') {
		v->type = *ps->p == '{' ? LAB_J_OBJ : LAB_J_ARR;
		ps->p++;
		if (!parse_members(ps, v, v->type == LAB_J_OBJ ? '}' : ']', depth))
			goto bad;
	} else if (*ps->p == '"') {
		v->type = LAB_J_STR;
		if (!(v->text = parse_string(ps)))
			goto bad;
	} else if (!strncmp(ps->p, "null", 4)) {
		v->type = LAB_J_NULL;
		ps->p += 4;
	} else if (!strncmp(ps->p, "true", 4) || !strncmp(ps->p, "false", 5)) {
		v->type = LAB_J_BOOL;
		v->text = strdup(*ps->p == 't' ? "true" : "false");
		ps->p += *ps->p == 't' ? 4 : 5;
	} else {
		const char *end = lab_json_number_end(start);

		if (!end || !isfinite(strtod(start, NULL))) {
			ps->err = "expected a value";
			goto bad;
		}
		v->type = LAB_J_NUM;
		v->text = strndup(start, end - start);
		ps->p = end;
	}
	return v;
bad:
	lab_jv_free(v);
	return NULL;
}

struct lab_jv *lab_json_parse(const char *text, const char **end, const char **err)
{
	struct parser ps = { .p = text };
	struct lab_jv *v = parse_value(&ps, 0);

	if (v) {
		skip_ws(&ps);
		ps.err = NULL;
	}
	if (end)
		*end = ps.p;
	if (err)
		*err = v ? NULL : ps.err ? ps.err : "not JSON";
	return v;
}

bool lab_json_is_object(const char *text)
{
	const char *end;
	struct lab_jv *v = lab_json_parse(text, &end, NULL);
	bool ok = v && v->type == LAB_J_OBJ && !*end;

	lab_jv_free(v);
	return ok;
}

const struct lab_jv *lab_jv_member(const struct lab_jv *obj, const char *key)
{
	for (struct lab_jv *m = obj ? obj->child : NULL; m; m = m->next)
		if (m->key && !strcmp(m->key, key))
			return m;
	return NULL;
}
