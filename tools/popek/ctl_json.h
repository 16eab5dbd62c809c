/*
 * The control socket's requests (docs/operating.md): one JSON object a
 * line, such as {"cmd":"pause","vm":"spin","id":7}.  Pure logic, fuzzed
 * (tests/fuzz/fuzz_ctl_json.c) and unit-tested (tests/unit/test_ctl_json.c):
 * whatever a client sends, the answer is a request or one error message.
 *
 * Accepted: an object (RFC 8259 §4) of at most CTL_MAX_KEYS members with
 * distinct keys, the keys "cmd" (a string, required), "vm" (a string),
 * "key" (an integer 0..2^53: a key code, for the key command), "with"
 * (the same: a key held down around it, such as Shift), "x", "y" and
 * "buttons" (integers 0..2^53, for the pointer command) and
 * "id" (an integer 0..2^53, echoed in the answer); whitespace around every
 * token.  Anything else (other keys or types, nesting, a string over
 * CTL_STR_MAX bytes, bytes after the object) is refused.
 */
#ifndef POPEK_TOOLS_CTL_JSON_H
#define POPEK_TOOLS_CTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_STR_MAX  64 /* bytes of a string value, its NUL included */
#define CTL_MAX_KEYS 8
#define CTL_LINE_MAX 4096 /* a longer request is refused whole */
#define CTL_ID_MAX   (1ULL << 53)

struct ctl_request {
	char cmd[CTL_STR_MAX];
	char vm[CTL_STR_MAX]; /* "" when absent */
	bool has_id;
	uint64_t id;
	bool has_key;
	uint64_t key;
	bool has_with;
	uint64_t with;
	bool has_x, has_y, has_buttons; /* the pointer command's position and buttons */
	uint64_t x, y, buttons;
};

/* Parses line[0..n) (no newline); NULL when it is a request, else why not. */
const char *ctl_request_parse(const char *line, size_t n, struct ctl_request *r);

/*
 * Appends s to out (size bytes, NUL-terminated, `*len` used) as a JSON
 * string, quotes included; false, with out unchanged, when it does not fit.
 */
bool ctl_json_string(char *out, size_t size, size_t *len, const char *s);

/*
 * A JSON text being built in a fixed buffer: appends that do not fit set
 * `overflow` and leave the text as it was, so a caller sends nothing cut.
 */
struct ctl_out {
	char *buf;
	size_t size, len;
	bool overflow;
};

void ctl_out_init(struct ctl_out *o, char *buf, size_t size);
/* Appends printf text as it is. */
void ctl_out_raw(struct ctl_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string (ctl_json_string). */
void ctl_out_str(struct ctl_out *o, const char *s);

#endif
