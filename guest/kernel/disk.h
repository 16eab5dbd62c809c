#ifndef DISK_H
#define DISK_H

void disk_run(void);

#endif
