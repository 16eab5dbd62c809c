/*
 * The operator console's framing, launcher side.  popek multiplexes its own
 * messages and every VM's terminal output onto the one real UART; in-band
 * markers say whose bytes follow:
 *
 *   0x1E '@'        the following bytes are popek's own (the stream starts so)
 *   0x1E '0'+i      ... VM i of the bundle, i = 0..15 ('0'..'?')
 *   0x1E '!'        ... records of popek's control channel (docs/operating.md)
 *   0x1E 'P'+i      ... VM i's debugger stub (gdb_server.h), i = 0..15 ('P'..'_')
 *   0x1E 0x1E       one literal 0x1E byte of the current source
 *
 * A marker whose selector names no VM (another byte, or a VM index past the
 * bundle's last VM) switches to popek: its bytes are shown untagged and go to
 * no VM's log.  The marker bytes themselves are never shown.
 *
 * The demultiplexer is pure: console_demux_feed() takes the stream in pieces
 * of any size (a marker may be split across two reads) and hands out
 *
 *  - term: what the operator's terminal shows.  popek's bytes as they are;
 *    every line of a VM prefixed with "NAME | "; when another source starts
 *    writing in the middle of a visible line, "\r\n" first, so that every
 *    tag stays at the left edge.  A VM's '\r' inside a line (cursor back to
 *    the left) is followed by its tag again before the line's next byte; a
 *    '\r' already at the left edge changes nothing and gets no tag.
 *  - vm: exactly the bytes VM i wrote: no tags, no markers, no translation;
 *  - ctl: the control channel's bytes (set it after console_demux_init();
 *    NULL drops them).  They never reach the terminal.
 */
#ifndef POPEK_TOOLS_CONSOLE_DEMUX_H
#define POPEK_TOOLS_CONSOLE_DEMUX_H

#include <stdbool.h>
#include <stddef.h>

#define CONSOLE_RS           0x1e /* ASCII record separator: starts a marker */
#define CONSOLE_SEL_POPEK    '@'
#define CONSOLE_SEL_VM0      '0'
#define CONSOLE_MAX_VMS      16
#define CONSOLE_SEL_CTL      '!'
#define CONSOLE_SOURCE_POPEK (-1)
#define CONSOLE_SOURCE_CTL   (-2)
#define CONSOLE_SEL_GDB0     'P'
#define CONSOLE_SOURCE_GDB0  (-16) /* - i: VM i's debugger stub */

/* Where the terminal's cursor is, as far as the bytes written so far tell. */
enum console_column {
	CONSOLE_COL_START, /* at the start of a fresh line (nothing written yet, or after '\n') */
	CONSOLE_COL_CR,    /* back at the left of a line that has text ('\r') */
	CONSOLE_COL_MID,   /* somewhere inside a line */
};

struct console_demux {
	/* set by console_demux_init() */
	const char *names[CONSOLE_MAX_VMS]; /* the tags; not copied */
	unsigned nvms;
	void (*term)(void *arg, const char *buf, size_t n);
	void (*vm)(void *arg, unsigned vm, const char *buf, size_t n);
	void (*ctl)(void *arg, const char *buf, size_t n);
	/* VM vm's debugger stub's bytes (set after init; NULL drops them): never shown */
	void (*gdb)(void *arg, unsigned vm, const char *buf, size_t n);
	void *arg;

	/* the stream's state */
	int source;              /* CONSOLE_SOURCE_POPEK, CONSOLE_SOURCE_CTL or a VM index */
	bool marker;             /* the last byte was an unpaired 0x1E */
	enum console_column col; /* of the terminal */
	int line_owner;          /* the source whose bytes are on the visible line */
};

/*
 * names[0..nvms) are the VMs in bundle order (nvms at most CONSOLE_MAX_VMS;
 * more are ignored).  `vm` may be NULL when no log is kept.
 */
void console_demux_init(struct console_demux *d, const char *const *names, unsigned nvms,
                        void (*term)(void *arg, const char *buf, size_t n),
                        void (*vm)(void *arg, unsigned vm, const char *buf, size_t n), void *arg);

/* Takes the next `n` bytes of the stream. */
void console_demux_feed(struct console_demux *d, const char *buf, size_t n);

/*
 * The stream has ended: ends the visible line if it is not empty, so that
 * whatever the terminal shows next starts at the left.  A marker cut off by
 * the end is dropped.
 */
void console_demux_finish(struct console_demux *d);

#endif
