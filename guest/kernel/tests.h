#ifndef TESTS_H
#define TESTS_H

void tests_run(void);

#endif
