#ifndef SPIN_H
#define SPIN_H

void spin_run(void);

#endif
