/* est_text.h: the growable text buffer the estimate writes its YAML and CSV into
 * (shared-internal to models/estimate). A failed allocation sets `oom` and later
 * appends do nothing, so a writer checks once at the end. The buffer owns its bytes
 * (est__text_free), always NUL-terminated once anything was appended. */
#ifndef MODELS_EST_TEXT_H
#define MODELS_EST_TEXT_H

#include <stddef.h>

typedef struct est__text {
    char *buf;   /* the text, NUL-terminated (NULL before the first append) */
    size_t len;  /* bytes, without the NUL */
    size_t cap;  /* room in buf */
    int oom;     /* 1: an allocation failed; the text is incomplete */
} est__text_t;

void est__text_printf(est__text_t *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void est__text_put(est__text_t *t, const char *s);
/* n bytes of s (which need not be NUL-terminated). */
void est__text_putn(est__text_t *t, const char *s, size_t n);
/* s as a CSV field (quoted when it holds , " CR or LF, as sim/fmt.c's fmt_field). */
void est__text_csv(est__text_t *t, const char *s);
/* s as a YAML double-quoted string; control bytes and bytes >= 0x80 become '?', so
 * the text stays ASCII whatever a path holds. */
void est__text_yq(est__text_t *t, const char *s);
/* s inside a YAML comment: one line, ASCII (others become '?'). */
void est__text_comment(est__text_t *t, const char *s);
void est__text_free(est__text_t *t);

#endif
