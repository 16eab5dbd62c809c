#ifndef REBOOT_H
#define REBOOT_H

void reboot_run(void);

#endif
