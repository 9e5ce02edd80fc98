/* signals.c: see signals.h. One atomic int holds the state: the low byte is the last
 * signal caught (0: none), bit 8 says that files are being written (a second signal
 * then only records). A lock-free atomic is safe to use in a handler. */
#include "sim/signals.h"

#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define WRITING 0x100
#define SIG_MASK 0xff

static atomic_int state; /* the one allowed static: see signals.h */

static const int caught[SIGNALS_N] = {SIGINT, SIGTERM, SIGHUP};

static void on_signal(int sig)
{
    int s = atomic_load(&state);
    if ((s & SIG_MASK) && !(s & WRITING)) { /* second signal, nothing written: leave */
        static const char msg[] = "\ncareflow: interrupted\n";
        ssize_t w = write(2, msg, sizeof msg - 1);
        (void)w;
        _exit(1);
    }
    int want;
    do
        want = (s & ~SIG_MASK) | (sig & SIG_MASK);
    while (!atomic_compare_exchange_weak(&state, &s, want));
}

void signals_catch(signals_save_t *s)
{
    atomic_store(&state, 0);
    for (int i = 0; i < SIGNALS_N; i++) {
        struct sigaction sa;
        s->installed[i] = 0;
        if (sigaction(caught[i], NULL, &s->old[i]) != 0 ||
            s->old[i].sa_handler == SIG_IGN) /* e.g. nohup: keep ignoring */
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (sigaction(caught[i], &sa, NULL) == 0)
            s->installed[i] = 1;
    }
}

void signals_restore(const signals_save_t *s)
{
    for (int i = 0; i < SIGNALS_N; i++)
        if (s->installed[i])
            sigaction(caught[i], &s->old[i], NULL);
    atomic_store(&state, 0);
}

int signals_caught(void) { return atomic_load(&state) & SIG_MASK; }

void signals_writing(void) { atomic_fetch_or(&state, WRITING); }

const char *signals_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP"
                                                                                  : "a signal";
}
