/*
 * The logs `popek pg` reads, parsed.  See pg_log.h.
 */
#include "pg_log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 512

/* Calls fn on every line of text, \r and \n removed; stops when fn returns false. */
static bool each_line(const char *text, bool (*fn)(const char *line, void *arg), void *arg)
{
	char line[LINE_MAX_LEN];

	while (*text) {
		size_t n = strcspn(text, "\n");
		size_t len = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
		memcpy(line, text, len);
		line[len] = '\0';
		while (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (!fn(line, arg))
			return false;
		text += n;
		if (*text)
			text++;
	}
	return true;
}

static bool mode_parse(const char *s, enum pg_mode *m)
{
	if (strcmp(s, "S") == 0 || strcmp(s, "vS") == 0)
		*m = PG_MODE_S;
	else if (strcmp(s, "U") == 0 || strcmp(s, "vU") == 0)
		*m = PG_MODE_U;
	else
		return false;
	return true;
}

/* ---- the probe's terminal ---- */

struct probe_parse {
	struct pg_probe_log *log;
	char *err;
	size_t errlen;
	unsigned lineno;
};

static bool probe_fail(struct probe_parse *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errlen, "line %u: ", p->lineno);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return false;
}

static struct pg_insn *insn_get(struct pg_probe_log *log, const char *name, bool create)
{
	for (unsigned i = 0; i < log->ninsns; i++) {
		if (strcmp(log->insns[i].name, name) == 0)
			return &log->insns[i];
	}
	if (!create || log->ninsns == PG_MAX_INSNS || strlen(name) >= PG_NAME_MAX)
		return NULL;
	struct pg_insn *in = &log->insns[log->ninsns++];
	memset(in, 0, sizeof(*in));
	strcpy(in->name, name);
	return in;
}

const struct pg_insn *pg_probe_log_find(const struct pg_probe_log *log, const char *name)
{
	return insn_get((struct pg_probe_log *)log, name, false);
}

/* "executes [changed=..]", "trap N tval=H", "sbi error=N", "stray N epc=H" */
static bool outcome_parse(const char *s, struct pg_outcome *o)
{
	char word[16], rest[128] = "";
	uint64_t a, b;
	long e;

	memset(o, 0, sizeof(*o));
	if (sscanf(s, "%15s", word) != 1)
		return false;
	if (strcmp(word, "executes") == 0) {
		o->action = PG_EXECUTES;
		if (sscanf(s, "executes changed=%95s", rest) == 1)
			strcpy(o->changed, rest);
		else if (strcmp(s, "executes") != 0)
			return false;
	} else if (sscanf(s, "trap %" SCNu64 " tval=%" SCNx64, &a, &b) == 2) {
		*o = (struct pg_outcome){.action = PG_TRAP, .cause = a, .tval = b};
	} else if (sscanf(s, "stray %" SCNu64 " epc=%" SCNx64, &a, &b) == 2) {
		*o = (struct pg_outcome){.action = PG_STRAY, .cause = a, .tval = b};
	} else if (sscanf(s, "sbi error=%ld", &e) == 1) {
		*o = (struct pg_outcome){.action = PG_SBI, .sbi_error = e};
	} else {
		return false;
	}
	return true;
}

static bool probe_line(const char *line, void *arg)
{
	struct probe_parse *p = arg;
	struct pg_probe_log *log = p->log;
	char name[PG_NAME_MAX + 1], mode[4];
	uint64_t pc;
	unsigned n;
	int off = 0;
	enum pg_mode m;

	p->lineno++;
	if (sscanf(line, "probe-start %u", &n) == 1) {
		log->started = n;
	} else if (strncmp(line, "probe-end", 9) == 0) {
		log->ended = true;
	} else if (strncmp(line, "probe-begin ", 12) == 0) {
		if (sscanf(line, "probe-begin %32s %3s pc=%" SCNx64, name, mode, &pc) != 3 ||
		    !mode_parse(mode, &m))
			return probe_fail(p, "malformed: %s", line);
		struct pg_insn *in = insn_get(log, name, true);
		if (!in)
			return probe_fail(p, "too many instructions, or a name too long: %s", name);
		in->run[m].begun = true;
		in->run[m].pc = pc;
	} else if (strncmp(line, "probe ", 6) == 0) {
		if (sscanf(line, "probe %32s %3s %n", name, mode, &off) != 2 || !off ||
		    !mode_parse(mode, &m))
			return probe_fail(p, "malformed: %s", line);
		struct pg_insn *in = insn_get(log, name, false);
		if (!in || !in->run[m].begun)
			return probe_fail(p, "a result for %s %s, which never began", name, mode);
		if (!outcome_parse(line + off, &in->run[m].out))
			return probe_fail(p, "malformed outcome: %s", line);
	}
	return true;
}

bool pg_probe_log_parse(const char *text, struct pg_probe_log *log, char *err, size_t errlen)
{
	struct probe_parse p = {log, err, errlen, 0};
	memset(log, 0, sizeof(*log));
	if (errlen)
		err[0] = '\0';
	return each_line(text, probe_line, &p);
}

const char *pg_outcome_str(const struct pg_outcome *o, char *buf, size_t size)
{
	switch (o->action) {
	case PG_EXECUTES:
		snprintf(buf, size, "executes");
		break;
	case PG_TRAP:
		snprintf(buf, size, "trap %" PRIu64, o->cause);
		break;
	case PG_SBI:
		snprintf(buf, size, "sbi");
		break;
	case PG_STRAY:
		snprintf(buf, size, "stray %" PRIu64, o->cause);
		break;
	case PG_MISSING:
		snprintf(buf, size, "missing");
		break;
	}
	return buf;
}

bool pg_outcome_same(const struct pg_outcome *a, const struct pg_outcome *b)
{
	if (a->action != b->action)
		return false;
	if (a->action == PG_TRAP || a->action == PG_STRAY)
		return a->cause == b->cause;
	if (a->action == PG_EXECUTES)
		return strcmp(a->changed, b->changed) == 0;
	return true;
}

/* ---- popek's console ---- */

bool pg_trace_parse(const char *line, const char *vm, struct pg_trace *t)
{
	char name[PG_NAME_MAX + 1], mode[4], rest[LINE_MAX_LEN];
	uint64_t pc, cause, tval, irq;
	unsigned insn;

	memset(t, 0, sizeof(*t));
	if (sscanf(line, "trace %32s %3s pc=%" SCNx64, name, mode, &pc) != 3 ||
	    strcmp(name, vm) != 0 || !mode_parse(mode, &t->mode))
		return false;
	t->pc = pc;
	const char *after_pc = strstr(line, " pc=");
	after_pc += strcspn(after_pc + 1, " ") + 1;
	if (sscanf(after_pc, " interrupt=%" SCNu64, &irq) == 1) {
		t->interrupt = true;
		t->cause = irq;
		return true;
	}
	if (sscanf(after_pc, " insn=%x cause=%" SCNu64 " tval=%" SCNx64 ": %511[^\n]", &insn,
	           &cause, &tval, rest) != 4)
		return false;
	t->cause = cause;
	t->tval = tval;
	char *arrow = strstr(rest, " -> ");
	if (!arrow)
		return false;
	*arrow = '\0';
	static const char ahead[] = " (and ahead)";
	size_t len = strlen(rest);
	if (len >= sizeof(ahead) - 1 && strcmp(rest + len - (sizeof(ahead) - 1), ahead) == 0) {
		t->ahead = true;
		rest[len - (sizeof(ahead) - 1)] = '\0';
	}
	snprintf(t->note, sizeof(t->note), "%s", rest);
	return true;
}

struct counters_parse {
	const char *vm;
	struct pg_counters *c;
};

/* Adds every "NAME N;" count of a report line; the name is known by its words. */
static uint64_t sum_counts(const char *s, const char *only)
{
	uint64_t sum = 0;
	while (*s) {
		size_t n = strcspn(s, ";");
		char item[128];
		size_t len = n < sizeof(item) - 1 ? n : sizeof(item) - 1;
		memcpy(item, s, len);
		item[len] = '\0';
		char *num = strrchr(item, ' ');
		if (num && num[1]) {
			*num = '\0';
			char label[132];
			snprintf(label, sizeof(label), "|%s|", item + strspn(item, " "));
			if (!only || strstr(only, label))
				sum += strtoull(num + 1, NULL, 10);
		}
		s += n;
		if (*s)
			s++;
	}
	return sum;
}

static bool counters_line(const char *line, void *arg)
{
	struct counters_parse *p = arg;
	struct pg_counters *c = p->c;
	char prefix[64];
	uint64_t a, b, d;

	int n = snprintf(prefix, sizeof(prefix), "popek: vm %s ", p->vm);
	if (n < 0 || strncmp(line, prefix, n) != 0)
		return true;
	const char *s = line + n;
	if (sscanf(s, "stopped: %" SCNu64 " traps (%" SCNu64 " timer, %" SCNu64, &a, &b, &d) == 3) {
		c->found = true;
		c->traps = a;
		c->timer_irqs = b;
		c->external_irqs = d;
	} else if (strncmp(s, "exceptions:", 11) == 0) {
		c->exceptions = sum_counts(s + 11, NULL);
	} else if (strncmp(s, "emulated:", 9) == 0) {
		s += 9;
		c->emulated = sum_counts(s, "|csr|sret|mret|wfi|sfence.vma|mmio|load/store|sbi|");
		c->reflected = sum_counts(s, "|reflected|");
		const char *f = strstr(s, "shadow fills ");
		if (f)
			c->shadow_fills = strtoull(f + 13, NULL, 10);
		f = strstr(s, "emulated ahead ");
		if (f)
			c->ahead = strtoull(f + 15, NULL, 10);
	}
	return true;
}

void pg_counters_parse(const char *console, const char *vm, struct pg_counters *c)
{
	struct counters_parse p = {vm, c};
	memset(c, 0, sizeof(*c));
	each_line(console, counters_line, &p);
}
