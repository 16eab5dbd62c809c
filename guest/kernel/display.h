#ifndef DISPLAY_H
#define DISPLAY_H

void display_run(void);   /* mode=display */
void gpuattack_run(void); /* mode=gpuattack */

#endif
