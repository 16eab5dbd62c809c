/*
 * The bare machine's firmware banner.  `popek run --bare` logs the VM's
 * terminal; with boot = sbi the terminal first shows OpenSBI's banner, which
 * is the machine's output, not the guest's.  The bare NAME.log leaves it
 * out, so that it holds exactly what the guest wrote, as popek's NAME.log
 * does.
 */
#ifndef POPEK_TOOLS_BANNER_H
#define POPEK_TOOLS_BANNER_H

#include <stddef.h>

/*
 * Bytes at the start of buf that are OpenSBI's banner: from its first line
 * ("OpenSBI v...", possibly after a blank line) through the blank line that
 * follows its last line ("Boot HART MEDELEG ...").  0 when buf does not
 * start with a complete banner.
 */
size_t banner_length(const char *buf, size_t n);
/*
 * Removes the banner from the start of the file at path, through a new file
 * (outfile.h: a failed write leaves the log whole); 0 or an errno value.
 */
int banner_strip_file(const char *path);

#endif
