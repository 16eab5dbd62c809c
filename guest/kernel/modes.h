#ifndef MODES_H
#define MODES_H

void mode_run(const char *bootargs);

#endif
