#ifndef CODESUM_H
#define CODESUM_H

void codesum_run(void);

#endif
