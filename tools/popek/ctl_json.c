/*
 * The control socket's request parser.  See ctl_json.h.
 */
#include "ctl_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct cursor {
	const char *p, *end;
};

static void skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

static bool take(struct cursor *c, char ch)
{
	skip_ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

static int hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* A string (RFC 8259 §7) into out[CTL_STR_MAX]; NULL or why not.  \u escapes: ASCII only. */
static const char *parse_string(struct cursor *c, char *out)
{
	static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";
	size_t n = 0;

	if (!take(c, '"'))
		return "expected a string";
	for (;;) {
		if (c->p >= c->end)
			return "unterminated string";
		unsigned char ch = (unsigned char)*c->p++;
		if (ch == '"')
			break;
		if (ch < 0x20)
			return "control character in a string";
		if (ch == '\\') {
			if (c->p >= c->end)
				return "unterminated string";
			char e = *c->p++;
			const char *k = e ? strchr(esc_in, e) : NULL;
			if (k) {
				ch = (unsigned char)esc_out[k - esc_in];
			} else if (e == 'u') {
				int v = 0;
				for (int i = 0; i < 4; i++) {
					int h = c->p < c->end ? hex(*c->p++) : -1;
					if (h < 0)
						return "bad \\u escape";
					v = v * 16 + h;
				}
				if (v == 0 || v > 0x7f)
					return "\\u escape outside ASCII";
				ch = (unsigned char)v;
			} else {
				return "bad escape in a string";
			}
		}
		if (n + 1 >= CTL_STR_MAX)
			return "string too long";
		out[n++] = (char)ch;
	}
	out[n] = '\0';
	return NULL;
}

/* A non-negative integer up to CTL_ID_MAX, no fraction or exponent. */
static const char *parse_id(struct cursor *c, uint64_t *id)
{
	uint64_t v = 0;
	const char *start;

	skip_ws(c);
	start = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		v = v * 10 + (uint64_t)(*c->p++ - '0');
		if (v > CTL_ID_MAX)
			return "id out of range";
	}
	if (c->p == start || (c->p - start > 1 && *start == '0'))
		return "id must be a non-negative integer";
	if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E'))
		return "id must be a non-negative integer";
	*id = v;
	return NULL;
}

/* The integer members: where each goes, and the error a bad value gets. */
#define MEMBER(name, why)                                        \
	{                                                        \
#name, offsetof(struct ctl_request, has_##name), \
		    offsetof(struct ctl_request, name), why      \
	}
static const struct {
	const char *name;
	size_t has, at;
	const char *bad; /* NULL: parse_id's own message */
} numbers[] = {
    MEMBER(id, NULL),
    MEMBER(key, "key must be a non-negative integer"),
    MEMBER(with, "with must be a non-negative integer"),
    MEMBER(x, "x must be a non-negative integer"),
    MEMBER(y, "y must be a non-negative integer"),
    MEMBER(buttons, "buttons must be a non-negative integer"),
};

static const char *parse_number_member(struct cursor *c, const char *key, struct ctl_request *r)
{
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		bool *has = (bool *)((char *)r + numbers[i].has);
		if (strcmp(key, numbers[i].name) != 0)
			continue;
		if (*has)
			return "duplicate key";
		*has = true;
		const char *why = parse_id(c, (uint64_t *)((char *)r + numbers[i].at));
		return why && numbers[i].bad ? numbers[i].bad : why;
	}
	return "unknown key (cmd, vm, id, key, with, x, y and buttons are known)";
}

const char *ctl_request_parse(const char *line, size_t n, struct ctl_request *r)
{
	struct cursor c = {line, line + n};
	bool seen_cmd = false, seen_vm = false;
	unsigned keys = 0;
	const char *why;

	memset(r, 0, sizeof(*r));
	if (memchr(line, '\0', n))
		return "NUL byte in the request";
	if (!take(&c, '{'))
		return "a request is a JSON object";
	if (!take(&c, '}')) {
		do {
			char key[CTL_STR_MAX];
			if ((why = parse_string(&c, key)))
				return why;
			if (!take(&c, ':'))
				return "expected ':'";
			if (++keys > CTL_MAX_KEYS)
				return "too many members";
			if (strcmp(key, "cmd") == 0 && !seen_cmd) {
				seen_cmd = true;
				why = parse_string(&c, r->cmd);
			} else if (strcmp(key, "vm") == 0 && !seen_vm) {
				seen_vm = true;
				why = parse_string(&c, r->vm);
			} else if (strcmp(key, "cmd") == 0 || strcmp(key, "vm") == 0) {
				why = "duplicate key";
			} else {
				why = parse_number_member(&c, key, r);
			}
			if (why)
				return why;
		} while (take(&c, ','));
		if (!take(&c, '}'))
			return "expected ',' or '}'";
	}
	skip_ws(&c);
	if (c.p != c.end)
		return "bytes after the object";
	if (!seen_cmd)
		return "no cmd";
	return NULL;
}

bool ctl_json_string(char *out, size_t size, size_t *len, const char *s)
{
	size_t k = *len;

	if (k >= size)
		return false;
	out[k++] = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char e[8];
		int m;
		if (ch == '"' || ch == '\\')
			m = snprintf(e, sizeof(e), "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			m = snprintf(e, sizeof(e), "\\u%04x", ch);
		else
			m = snprintf(e, sizeof(e), "%c", ch);
		if (k + (size_t)m >= size) {
			out[*len] = '\0'; /* as it was */
			return false;
		}
		memcpy(out + k, e, (size_t)m);
		k += (size_t)m;
	}
	if (k + 2 > size) {
		out[*len] = '\0';
		return false;
	}
	out[k++] = '"';
	out[k] = '\0';
	*len = k;
	return true;
}

void ctl_out_init(struct ctl_out *o, char *buf, size_t size)
{
	*o = (struct ctl_out){.buf = buf, .size = size};
	buf[0] = '\0';
}

void ctl_out_raw(struct ctl_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->buf[o->len] = '\0';
		o->overflow = true;
		return;
	}
	o->len += (size_t)n;
}

void ctl_out_str(struct ctl_out *o, const char *s)
{
	if (!ctl_json_string(o->buf, o->size, &o->len, s))
		o->overflow = true;
}
