/* err.h: careflow's one error convention.
 *
 * A function that can fail returns 0, or a negative SIM_E* code (libuv's style); where
 * the caller needs more than the code, it also takes `char *err, size_t errlen` and
 * writes one line there (never cut before its message: see sim_err_set). sim_strerror
 * names a code. Status codes become exit statuses only in main: SIM_EINVAL (the user's
 * input is wrong) exits 2, every other failure 1. No exit() or printing below main.
 *
 * libyaml's 1/0 with its problem_mark is converted at the loader boundary into
 * "FILE:LINE:COL: error: ..." with SIM_EINVAL. */
#ifndef SIM_ERR_H
#define SIM_ERR_H
#include <stddef.h>

#define SIM_ERR_MAX 16384 /* bytes of one formatted line, its NUL included */
#define SIM_ERR_CLIP 200  /* bytes of a user's text a message quotes, "..." included */

/* X(code, value, text) */
#define SIM_ERRNO_MAP(X)                                                      \
    X(SIM_ENOMEM, -1, "out of memory")                                        \
    X(SIM_ETIME, -2, "an event time is NaN or before the clock")              \
    X(SIM_EINVAL, -3, "invalid input")                                        \
    X(SIM_EIO, -4, "input/output error")                                      \
    X(SIM_EINTR, -5, "interrupted")                                           \
    X(SIM_ERANGE, -6, "a value is out of range")                              \
    X(SIM_EBUSY, -7, "the output folder is in use by another careflow")       \
    X(SIM_EPEER, -8, "another process of the run failed")

enum sim_errno {
#define SIM_ERR_ENUM(e, v, s) e = v,
    SIM_ERRNO_MAP(SIM_ERR_ENUM)
#undef SIM_ERR_ENUM
};

/* The text of a code ("unknown error" for one not in the map; "ok" for 0). */
const char *sim_strerror(int code);

/* The exit status for a code: 0 for 0, 2 for SIM_EINVAL, 1 otherwise. */
int sim_exit_status(int code);

/* Formats one line into err (errlen > 0) and returns code: so a failing function can
 * `return sim_err_set(err, errlen, SIM_EIO, "cannot write %s: %s", ...)`. The line is
 * formatted whole in a SIM_ERR_MAX-byte buffer on the stack first (no allocation: this
 * runs when memory is out). When it is longer than errlen, its head and its tail are
 * kept around "..." (a line with a position: use sim_err_at, which keeps its shape).
 * A line longer than SIM_ERR_MAX loses its end, so a caller must keep what it quotes
 * short: user text through sim_err_clip, file names within PATH_MAX. A control
 * character the message quotes (a byte below 0x20 but tab, or 0x7f) is written as \n,
 * \r or \xHH: the message is always one line. */
int sim_err_set(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "FILE:LINE:COL: error: MESSAGE" into err, as sim_err_set, but cut by its parts when
 * too long: the position takes at most half of errlen (a long FILE loses its middle,
 * marked "...", never its ":LINE:COL: error: ") and MESSAGE the rest (a long one keeps
 * its head and its end). Whatever FILE or MESSAGE hold (": error: " included), the
 * line keeps that shape. Returns code. */
int sim_err_at(char *err, size_t errlen, int code, const char *file, long line, long col,
               const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* A user's text as a message quotes it: s itself when it has fewer than size bytes,
 * else its first bytes (not splitting a UTF-8 character) and "..." in buf[0..size),
 * size >= 4. SIM_ERR_CLIP is the usual size (buffers of SIM_ERR_CLIP + 1). */
const char *sim_err_clip(char *buf, size_t size, const char *s);

/* strerror(errnum) that is safe in any thread (strerror_r into buf). */
const char *sim_errno_text(int errnum, char *buf, size_t len);

#endif
