#ifndef WEDGE_H
#define WEDGE_H

void wedge_run(void);

#endif
