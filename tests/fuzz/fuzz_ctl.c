/*
 * The control socket (tools/popek/ctl_json.c, ctl_server.c): whatever a
 * client sends, ctl_request_parse() answers a request or one error, never
 * reads outside the line, and what it accepts is well formed (a command and
 * name of bounded length, NUL-terminated); a request the launcher forwards
 * is one line of popek's control channel naming a possible VM; and popek's
 * records, however cut, leave the server consistent.
 *
 * Input: byte 0 selects the mode (even: request lines, odd: a record stream,
 * interleaved with requests at each 0xff); the rest is the data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_json.h"
#include "ctl_server.h"

static size_t forwarded;

static bool to_popek(void *arg, const char *line, size_t n)
{
	(void)arg;
	/* one line: "SEQ VERB[ NAME]\n", printable, no marker bytes */
	if (!n || line[n - 1] != '\n' || memchr(line, '\n', n - 1))
		abort();
	for (size_t i = 0; i + 1 < n; i++) {
		if (line[i] < ' ' || line[i] > '~')
			abort();
	}
	forwarded++;
	return forwarded % 7 != 0; /* sometimes popek takes nothing now */
}

static void check_request(const char *line, size_t n)
{
	struct ctl_request r;
	char *copy = malloc(n ? n : 1); /* exactly n bytes: ASan sees any overread */
	memcpy(copy, line, n);
	const char *why = ctl_request_parse(copy, n, &r);
	if (!why) {
		if (!memchr(r.cmd, '\0', sizeof(r.cmd)) || !memchr(r.vm, '\0', sizeof(r.vm)) ||
		    (r.has_id && r.id > CTL_ID_MAX))
			abort();
	} else if (!*why) {
		abort();
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_server s;
	if (size < 1)
		return 0;
	ctl_server_open(&s, NULL, to_popek, NULL);
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	if (!(data[0] & 1)) {
		/* request lines, as a client sends them */
		while (n) {
			const char *nl = memchr(p, '\n', n);
			size_t k = nl ? (size_t)(nl - p) : n;
			check_request(p, k);
			ctl_server_request(&s, 0, p, k);
			p += k + (nl != NULL);
			n -= k + (nl != NULL);
		}
	} else {
		/* popek's records, with requests between them so that some are pending */
		while (n) {
			const char *ff = memchr(p, 0xff, n);
			size_t k = ff ? (size_t)(ff - p) : n;
			ctl_server_records(&s, p, k);
			ctl_server_request(&s, 0, "{\"cmd\":\"list\"}", 14);
			ctl_server_request(&s, 1, "{\"cmd\":\"pause\",\"vm\":\"a\",\"id\":3}", 32);
			p += k + (ff != NULL);
			n -= k + (ff != NULL);
		}
	}
	for (int i = 0; i < CTL_MAX_PENDING; i++) {
		if (s.pending[i].client >= CTL_MAX_CLIENTS || s.pending[i].len >= CTL_REPLY_MAX)
			abort();
	}
	if (s.rec_len >= sizeof(s.rec))
		abort();
	ctl_server_close(&s);
	return 0;
}
