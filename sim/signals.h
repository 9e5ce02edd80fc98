/* signals.h: SIGINT, SIGTERM and SIGHUP turned into a flag that long loops poll.
 *
 * Owns the one piece of file-level mutable state careflow allows besides the
 * allocator: a signal handler has nowhere else to write. signals_catch() installs the
 * handler (unless the signal is ignored, e.g. under nohup) and clears the flag;
 * signals_restore() puts the previous actions back. The handler only records the
 * signal, except in one case: a second signal before signals_writing() was called
 * ends the process at once with status 1 (nothing has been written yet, so there is
 * nothing to clean; a transaction's staging folder, if any, is removed by the next
 * run, see sim/outtx.h). After signals_writing() every signal is only recorded, and
 * the command checks signals_caught() between steps. Call these from the main thread
 * only; signals_caught() may be read from any thread. */
#ifndef SIM_SIGNALS_H
#define SIM_SIGNALS_H

#include <signal.h>

#define SIGNALS_N 3 /* SIGINT, SIGTERM, SIGHUP */

/* The actions signals_catch() replaced; the caller owns it (on its stack). */
typedef struct signals_save {
    struct sigaction old[SIGNALS_N]; /* private: previous actions */
    int installed[SIGNALS_N];        /* private: 1 if we replaced that one */
} signals_save_t;

void signals_catch(signals_save_t *s);        /* install; clear the flag */
void signals_restore(const signals_save_t *s); /* previous actions back; flag cleared */
int signals_caught(void);        /* the signal caught since signals_catch(), or 0 */
void signals_writing(void);      /* from now on a second signal only records */
const char *signals_name(int sig); /* "SIGINT", "SIGTERM", "SIGHUP" or "a signal" */

#endif
