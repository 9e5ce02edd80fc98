/* text.c: identifier classes and shell quoting (text.h). */
#include "sim/text.h"

#include <errno.h>
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
