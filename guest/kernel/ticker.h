#ifndef TICKER_H
#define TICKER_H

void ticker_run(void);

#endif
