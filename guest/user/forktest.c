/*
 * forktest — fork arg children; child i exits with status i after checking
 * it sees its own copy of memory.  Exits 0 when every status came back once.
 */
#include "user.h"

static int shared = 100;

int main(long n)
{
	int parent = getpid();
	for (int i = 1; i <= n; i++) {
		int pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			shared += i; /* must not be seen by the parent */
			exit(getpid() != parent && shared == 100 + i ? i : 100);
		}
	}
	int seen = 0, status;
	for (int i = 1; i <= n; i++) {
		if (wait(&status) < 0 || status < 1 || status > n || (seen & (1 << status)))
			return 2;
		seen |= 1 << status;
	}
	if (wait(&status) != -1 || shared != 100)
		return 3;
	return 0;
}
