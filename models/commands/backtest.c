/* backtest.c: `careflow backtest` (placeholder until issue 10 lands). */
#include <stdio.h>

#include "models/commands/records_cmd.h"

int backtest_main(int argc, char **argv)
{
    fputs("careflow: error: 'backtest' is not built yet\n", stderr);
    return 2;
}
