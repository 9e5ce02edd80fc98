/* err.c: error codes, their texts, and one-line messages that keep their end. */
#include "sim/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *sim_strerror(int code)
{
    if (code == 0)
        return "ok";
    switch (code) {
#define SIM_ERR_CASE(e, v, s) \
    case e:                   \
        return s;
        SIM_ERRNO_MAP(SIM_ERR_CASE)
#undef SIM_ERR_CASE
    }
    return "unknown error";
}

int sim_exit_status(int code) { return code == 0 ? 0 : code == SIM_EINVAL ? 2 : 1; }

/* Rewrites each control character of s (a byte below 0x20 but tab, or 0x7f) as \n, \r
 * or \xHH, in place within size bytes (cutting the end if it must), so a message is
 * always one line whatever bytes the input that it quotes held. Returns the length. */
static size_t escape_controls(char *s, size_t size)
{
    char tmp[sizeof "\\xff"];
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 0x20 && c != 0x7f) || c == '\t')
            continue;
        int k = c == '\n' ? snprintf(tmp, sizeof tmp, "\\n")
              : c == '\r' ? snprintf(tmp, sizeof tmp, "\\r")
                          : snprintf(tmp, sizeof tmp, "\\x%02x", c);
        size_t grow = (size_t)k - 1;
        if (len + grow >= size) { /* no room: cut the end */
            s[i] = '\0';
            return i;
        }
        memmove(s + i + k, s + i + 1, len - i); /* with the NUL */
        memcpy(s + i, tmp, (size_t)k);
        len += grow;
        i += (size_t)k - 1;
    }
    return len;
}

/* Writes src[0..len) into dst within room bytes: whole if it fits, else its head
 * (1/head_div of the room) and its tail around "...". Returns the bytes written. */
static size_t cut_into(char *dst, size_t room, const char *src, size_t len, size_t head_div)
{
    static const char mark[] = "...";
    if (len <= room) {
        memcpy(dst, src, len);
        return len;
    }
    if (room < sizeof mark + 1) { /* no room for a mark: the tail */
        memcpy(dst, src + len - room, room);
        return room;
    }
    size_t head = (room - (sizeof mark - 1)) / head_div;
    size_t tail = room - (sizeof mark - 1) - head;
    memcpy(dst, src, head);
    memcpy(dst + head, mark, sizeof mark - 1);
    memcpy(dst + head + sizeof mark - 1, src + len - tail, tail);
    return room;
}

int sim_err_set(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return code;
    /* Formatted whole on the stack (no allocation: this runs when memory is out). */
    char full[SIM_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(full, sizeof full, fmt, ap);
    va_end(ap);
    if (n < 0) {
        snprintf(err, errlen, "%s", sim_strerror(code));
        return code;
    }
    size_t len = escape_controls(full, sizeof full);
    if (len < errlen) {
        memcpy(err, full, len + 1);
        return code;
    }
    /* Too long: its head and its tail around "..." */
    err[cut_into(err, errlen - 1, full, len, 4)] = '\0';
    return code;
}

int sim_err_at(char *err, size_t errlen, int code, const char *file, long line, long col,
               const char *fmt, ...)
{
    if (!err || errlen == 0)
        return code;
    /* The position and the message are formatted and escaped apart (no allocation), so
     * the cut knows where one ends whatever either holds. */
    char pre[SIM_ERR_MAX], msg[SIM_ERR_MAX];
    snprintf(pre, sizeof pre, "%s:%ld:%ld: error: ", file ? file : "?", line, col);
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
        snprintf(msg, sizeof msg, "%s", sim_strerror(code));
    va_end(ap);
    size_t plen = escape_controls(pre, sizeof pre), mlen = escape_controls(msg, sizeof msg);
    /* The position takes at most half the room (a long FILE loses its middle, never its
     * ":LINE:COL: error: "); the message the rest (a long one keeps its head and end). */
    size_t room = errlen - 1;
    size_t w = cut_into(err, plen < room / 2 ? plen : room / 2, pre, plen, 4);
    w += cut_into(err + w, room - w, msg, mlen, 2);
    err[w] = '\0';
    return code;
}

const char *sim_err_clip(char *buf, size_t size, const char *s)
{
    size_t len = strlen(s);
    if (len < size)
        return s;
    size_t keep = size - sizeof "...";
    while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80) /* s[keep] starts the cut */
        keep--;
    memcpy(buf, s, keep);
    memcpy(buf + keep, "...", sizeof "...");
    return buf;
}

const char *sim_errno_text(int errnum, char *buf, size_t len)
{
    /* The XSI strerror_r (we build with _POSIX_C_SOURCE, not _GNU_SOURCE). */
    if (len == 0)
        return "";
    if (strerror_r(errnum, buf, len) != 0)
        snprintf(buf, len, "error %d", errnum);
    return buf;
}
