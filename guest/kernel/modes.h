#ifndef MODES_H
#define MODES_H

void mode_run(void); /* the mode machine.bootargs names */

#endif
