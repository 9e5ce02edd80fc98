/* text.h: small text services more than one layer needs: the two character classes
 * careflow's identifiers are written in, and a command line shell-quoted for a record
 * (manifest.json, a report's header), the nearest name for "did you mean", and a text
 * that grows as it is appended to. Pure functions of their arguments: no state, thread
 * safe; those that allocate use sim/mem.h and say who frees.
 *
 * A command line's numbers are read by text_parse_u64.
 *
 * Classes (ASCII only; any other byte is outside both):
 *   name  [A-Za-z0-9_-]+            (a stage, pool or flag name in a scenario)
 *   slug  [a-z0-9][a-z0-9_-]*       (a scenario's `name`, which names its output folder) */
#ifndef SIM_TEXT_H
#define SIM_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* 1 if s is a name (see above), else 0. */
int text_is_name(const char *s);

/* 1 if s is a slug (see above), else 0. */
int text_is_slug(const char *s);

/* s as a decimal integer made only of digits (no sign, space or other byte), in
 * [lo, hi]: 0 and *out, or -1 (*out untouched). */
int text_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* argv[0..argc) as one line a POSIX shell reads back as the same words: words of only
 * [A-Za-z0-9-_./=+,:@%] as they are, any other (and the empty word) in single quotes,
 * a ' inside written '\''. Returns a new string (mem_free), or NULL when out of memory.
 * Bytes are copied as they are (a newline stays a newline inside its quotes): a caller
 * that needs one line escapes on output (fmt_json_string, sim_err_at). */
char *text_shell_join(int argc, char *const *argv);

/* " (did you mean 'X'?)" into buf for the candidate closest to s (cands[0..n), NULL
 * entries skipped) within a small edit distance (1 for names of up to 3 characters, 2
 * up to 8, else 3; a swap of neighbours is one edit), else ""; returns buf. */
const char *text_suggest(char *buf, size_t size, const char *s, const char *const *cands,
                         int n);

/* A text that grows as it is appended to (a report page, a verdict). Zero-initialise
 * it; s is NULL until the first append, then NUL-terminated. An append that cannot get
 * memory sets oom and leaves the text as it was; later appends do nothing, so a caller
 * checks oom once at the end. Free s with mem_free. */
typedef struct text_buf {
    char *s;    /* the text, or NULL while nothing was appended */
    size_t len; /* its length */
    size_t cap; /* bytes allocated */
    int oom;    /* 1: an append failed */
} text_buf_t;

void text_buf_put(text_buf_t *b, const char *s, size_t n); /* n bytes of s */
void text_buf_printf(text_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void text_buf_vprintf(text_buf_t *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
