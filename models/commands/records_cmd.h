/* records_cmd.h: the commands that learn from records: `careflow estimate`
 * (estimate_cmd.c) and `careflow backtest` (backtest.c). Each parses its own
 * arguments (argv[1] is the command name) and returns the exit status. */
#ifndef MODELS_RECORDS_CMD_H
#define MODELS_RECORDS_CMD_H

int estimate_main(int argc, char **argv);
int backtest_main(int argc, char **argv);

#endif
