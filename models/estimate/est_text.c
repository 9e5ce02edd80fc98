/* est_text.c: the estimate's text buffer (est_text.h). */
#include "models/estimate/est_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/mem.h"

static int reserve(est__text_t *t, size_t more)
{
    if (t->oom)
        return -1;
    if (t->len + more + 1 <= t->cap)
        return 0;
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->len + more + 1) {
        if (cap > ((size_t)-1) / 2) {
            t->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    char *b = mem_realloc(t->buf, cap);
    if (!b) {
        t->oom = 1;
        return -1;
    }
    t->buf = b;
    t->cap = cap;
    return 0;
}

static void putc_(est__text_t *t, char c)
{
    if (reserve(t, 1) < 0)
        return;
    t->buf[t->len++] = c;
    t->buf[t->len] = 0;
}

void est__text_putn(est__text_t *t, const char *s, size_t n)
{
    if (reserve(t, n) < 0)
        return;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = 0;
}

void est__text_printf(est__text_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(t, (size_t)n) < 0) {
        t->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

void est__text_put(est__text_t *t, const char *s)
{
    size_t n = strlen(s);
    if (reserve(t, n) < 0)
        return;
    memcpy(t->buf + t->len, s, n + 1);
    t->len += n;
}

void est__text_csv(est__text_t *t, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        est__text_put(t, s);
        return;
    }
    putc_(t, '"');
    for (; *s; s++) {
        if (*s == '"')
            putc_(t, '"');
        putc_(t, *s);
    }
    putc_(t, '"');
}

void est__text_yq(est__text_t *t, const char *s)
{
    putc_(t, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            putc_(t, '\\');
            putc_(t, (char)*p);
        } else {
            putc_(t, *p < 0x20 || *p >= 0x7f ? '?' : (char)*p);
        }
    }
    putc_(t, '"');
}

void est__text_comment(est__text_t *t, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        putc_(t, *p < 0x20 || *p >= 0x7f ? '?' : (char)*p);
}

void est__text_free(est__text_t *t)
{
    mem_free(t->buf);
    *t = (est__text_t){0};
}
