/*
 * A bug in popek stops the machine with a full register dump.  panic()
 * records its message and executes ebreak, so every panic — a failed check
 * in C or an unexpected trap — is reported by one path, panic_dump(), from
 * a complete trap frame.
 */
#ifndef POPEK_CORE_PANIC_H
#define POPEK_CORE_PANIC_H

struct trap_frame;

void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* The message of a panic() in progress, or NULL. */
const char *panic_message(void);
void panic_dump(const struct trap_frame *tf, const char *why) __attribute__((noreturn));

#endif
