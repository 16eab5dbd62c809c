#include "check.h"

char check_why[160];
