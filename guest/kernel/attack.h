#ifndef ATTACK_H
#define ATTACK_H

void attack_run(void);

#endif
