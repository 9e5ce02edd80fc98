/* utf8.h: the one UTF-8 decoder. Strict (RFC 3629): overlong forms, surrogates and
 * code points above U+10FFFF are invalid. No state, no allocation; thread safe. */
#ifndef SIM_UTF8_H
#define SIM_UTF8_H
#include <stddef.h>

/* Length in bytes (1 to 4) of the valid UTF-8 sequence at s (at most n bytes, n > 0),
 * or 0 when the bytes there are not valid UTF-8. */
size_t utf8_len(const unsigned char *s, size_t n);

/* Characters in s[0..n): each valid sequence counts one, each invalid byte one. */
size_t utf8_count(const char *s, size_t n);

#endif
