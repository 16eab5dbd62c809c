/* hello — the smallest program: one line on the console. */
#include "user.h"

int main(void)
{
	printf("hello from user space\n");
	return 0;
}
