/* estimate_cmd.c: `careflow estimate` (placeholder until issue 10 lands). */
#include <stdio.h>

#include "models/commands/records_cmd.h"

int estimate_main(int argc, char **argv)
{
    fputs("careflow: error: 'estimate' is not built yet\n", stderr);
    return 2;
}
