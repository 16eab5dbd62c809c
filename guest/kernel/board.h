#ifndef BOARD_H
#define BOARD_H

void board_run(void);

#endif
