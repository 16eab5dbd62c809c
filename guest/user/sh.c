/*
 * sh — a tiny shell: each line is "program [number]"; the program is
 * spawned with the number as its argument and waited for.  "exit" ends the
 * shell, and with it the kernel's shell mode.
 */
#include "user.h"

int main(void)
{
	char line[64];
	printf("teach shell: type a program name (hello, forktest 3, sbrktest 8, crash 0, ..., "
	       "exit)\n");
	for (;;) {
		printf("$ ");
		long n = read(0, line, sizeof(line) - 1);
		if (n <= 0)
			continue;
		line[n] = 0;
		char *arg = line;
		while (*arg && *arg != ' ' && *arg != '\n')
			arg++;
		int more = *arg == ' ';
		*arg = 0;
		if (!line[0])
			continue;
		if (strcmp(line, "exit") == 0)
			exit(0); /* the kernel powers off when the shell is gone */
		int pid = spawn(line, more ? atol(arg + 1) : 0), status;
		if (pid < 0) {
			printf("sh: %s: not found\n", line);
			continue;
		}
		while (wait(&status) != pid)
			;
		printf("[%d exited %d]\n", pid, status);
	}
}
