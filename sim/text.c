/* text.c: identifier classes and shell quoting (text.h). */
#include "sim/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/mem.h"

static int lower_or_digit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int text_is_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!(lower_or_digit(*s) || (*s >= 'A' && *s <= 'Z') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

int text_is_slug(const char *s)
{
    if (!lower_or_digit(*s))
        return 0;
    for (; *s; s++)
        if (!(lower_or_digit(*s) || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

int text_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE || *end || v < lo || v > hi)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

char *text_shell_join(int argc, char *const *argv)
{
    static const char plain_set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789-_./=+,:@%";
    size_t cap = 1;
    for (int i = 0; i < argc; i++)
        cap += strlen(argv[i]) * 4 + 3; /* each ' becomes 4 bytes; 2 quotes, 1 space */
    char *s = mem_alloc(cap), *p = s;
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        size_t len = strlen(a);
        if (i)
            *p++ = ' ';
        if (len && strspn(a, plain_set) == len) {
            memcpy(p, a, len);
            p += len;
            continue;
        }
        *p++ = '\'';
        for (; *a; a++) {
            if (*a == '\'') {
                memcpy(p, "'\\''", 4);
                p += 4;
            } else {
                *p++ = *a;
            }
        }
        *p++ = '\'';
    }
    *p = '\0';
    return s;
}

/* ---- suggestions ------------------------------------------------------------- */

/* Edit distance counting a swap of two neighbours as one edit (optimal string
 * alignment: "cni" is one edit from "cin"), or a large number for long strings (no
 * suggestion then). */
static int distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    int d[65][65];
    if (na > 64 || nb > 64)
        return 1000;
    for (size_t i = 0; i <= na; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= na; i++)
        for (size_t j = 1; j <= nb; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[na][nb];
}

/* Writes " (did you mean 'X'?)" for the closest candidate within a small distance,
 * else "". cands[0..n) (NULL entries skipped). */
const char *text_suggest(char *buf, size_t size, const char *s, const char *const *cands,
                         int n)
{
    const char *best = NULL;
    int bd = strlen(s) <= 3 ? 1 : strlen(s) <= 8 ? 2 : 3;
    for (int i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        int d = distance(s, cands[i]);
        if (d <= bd && (!best || d < distance(s, best)))
            best = cands[i];
    }
    buf[0] = 0;
    if (best)
        snprintf(buf, size, " (did you mean '%s'?)", best);
    return buf;
}

/* ---- a growing text ----------------------------------------------------------------- */

/* Room for n more bytes and the NUL; 0, or -1 with oom set. */
static int buf_room(text_buf_t *b, size_t n)
{
    if (b->oom)
        return -1;
    if (b->len + n + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (b->len + n + 1 > cap)
        cap *= 2;
    char *p = mem_realloc(b->s, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->s = p;
    b->cap = cap;
    return 0;
}

void text_buf_put(text_buf_t *b, const char *s, size_t n)
{
    if (buf_room(b, n) != 0)
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void text_buf_vprintf(text_buf_t *b, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int k = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (k < 0 || buf_room(b, (size_t)k) != 0)
        return;
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    b->len += (size_t)k;
}

void text_buf_printf(text_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_buf_vprintf(b, fmt, ap);
    va_end(ap);
}
