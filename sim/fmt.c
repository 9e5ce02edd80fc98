/* fmt.c: see fmt.h. */
#include "sim/fmt.h"

#include <math.h>
#include <string.h>

#include "sim/utf8.h"

char *fmt_num_str(char *buf, size_t len, double x)
{
    if (len == 0)
        return buf;
    if (isnan(x)) {
        buf[0] = '\0';
        return buf;
    }
    if (x == 0)
        x = 0; /* no "-0" */
    snprintf(buf, len, "%.10g", x);
    return buf;
}

void fmt_num(FILE *f, double x)
{
    char buf[32];
    fputs(fmt_num_str(buf, sizeof buf, x), f);
}

void fmt_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void fmt_json_str(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    fputc('"', f);
    while (*p) {
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc((int)c, f);
            p++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': fputs("\\n", f); break;
            case '\r': fputs("\\r", f); break;
            case '\t': fputs("\\t", f); break;
            case '\b': fputs("\\b", f); break;
            case '\f': fputs("\\f", f); break;
            default: fprintf(f, "\\u%04x", c); break;
            }
            p++;
        } else if (c < 0x80) {
            fputc((int)c, f);
            p++;
        } else {
            /* at most 4 bytes: the string's NUL ends a sequence early, as invalid */
            size_t len = utf8_len(p, 4);
            if (len) {
                fwrite(p, 1, len, f);
                p += len;
            } else {
                fputs("\\ufffd", f);
                p++;
            }
        }
    }
    fputc('"', f);
}
