/* help.h: the help texts of the command line, apart from its parsing (main.c).
 *
 * Each text is the contract a user reads: keep it in step with the options main.c
 * parses and the files the commands write (tests/test_cli.c checks that every option
 * is mentioned). Static text only; nothing is printed here. */
#ifndef MODELS_HELP_H
#define MODELS_HELP_H

/* The help for topic "run", "validate", "compare" or "sensitivity"; the general help
 * for NULL or any other topic. */
const char *help_text(const char *topic);

#endif
