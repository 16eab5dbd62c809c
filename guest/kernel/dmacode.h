#ifndef DMACODE_H
#define DMACODE_H

void dmacode_run(void);

#endif
