#ifndef NETATTACK_H
#define NETATTACK_H

void netattack_run(void);

#endif
