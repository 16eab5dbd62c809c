/*
 * The client side of a run's control socket (ctl_server.h): connect, read an
 * answer line, pick a field out of it.
 */
#ifndef POPEK_TOOLS_CTL_CLIENT_H
#define POPEK_TOOLS_CTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

/* A connection to dir/popek.ctl, or -1 having said why on stderr (prefixed by who). */
int ctl_client_connect(const char *who, const char *dir);
/* The same for the UNIX socket NAME in the run directory DIR (QEMU's monitor, its QMP). */
int ctl_client_connect_at(const char *who, const char *dir, const char *name);
/* The next line from the socket into buf (NUL-terminated, newline dropped); false at its end. */
bool ctl_client_read_line(int fd, char *buf, size_t size);
/* The value of "key" in a flat JSON answer, unescaped enough for showing; or "". */
void ctl_client_field(const char *json, const char *key, char *out, size_t size);

#endif
