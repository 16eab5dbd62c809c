#ifndef BADQUEUE_H
#define BADQUEUE_H

void badqueue_run(void);

#endif
