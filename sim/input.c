/* input.c: reading one input file safely (see input.h). */
#include "sim/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/err.h"
#include "sim/mem.h"
#include "sim/sha256.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

/* Is errno e about the path (the user's input) rather than the system? */
static int path_errno(int e)
{
    return e == ENOENT || e == ENOTDIR || e == EACCES || e == EPERM || e == ELOOP ||
           e == ENAMETOOLONG || e == EISDIR || e == ENXIO || e == ENODEV;
}

static int fail_errno(int e, char *why, size_t whylen)
{
    if (why && whylen)
        sim_errno_text(e, why, whylen);
    return path_errno(e) ? SIM_EINVAL : e == ENOMEM ? SIM_ENOMEM : SIM_EIO;
}

static void hex(const uint8_t d[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[64] = '\0';
}

int input_read(const char *path, size_t max_bytes, input_t *in, char *why, size_t whylen)
{
    struct stat st;
    char *buf = NULL;
    size_t n = 0, cap;
    int fd, flags, rc;

    memset(in, 0, sizeof *in);
    if (why && whylen)
        why[0] = '\0';
    /* O_NONBLOCK: opening a FIFO without a writer must not wait for one */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return fail_errno(errno, why, whylen);
    if (fstat(fd, &st) != 0) {
        rc = fail_errno(errno, why, whylen);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        if (why && whylen)
            snprintf(why, whylen, "not a regular file");
        rc = SIM_EINVAL;
        goto out;
    }
    /* a regular file: reads do not block, but clear the flag all the same */
    if ((flags = fcntl(fd, F_GETFL)) == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
        rc = fail_errno(errno, why, whylen);
        goto out;
    }
    /* the size is a hint (the file may change): read until EOF or past the limit */
    cap = st.st_size > 0 && (uintmax_t)st.st_size < max_bytes ? (size_t)st.st_size + 2 : 4096;
    if (cap > max_bytes + 2)
        cap = max_bytes + 2;
    for (;;) {
        if (n + 1 >= cap) {
            if (n > max_bytes)
                break;
            size_t nc = cap > (max_bytes + 2) / 2 ? max_bytes + 2 : 2 * cap;
            char *nb = mem_realloc(buf, nc);
            if (!nb) {
                rc = SIM_ENOMEM;
                if (why && whylen)
                    snprintf(why, whylen, "%s", sim_strerror(rc));
                goto out;
            }
            buf = nb;
            cap = nc;
        } else if (!buf && !(buf = mem_alloc(cap))) {
            rc = SIM_ENOMEM;
            if (why && whylen)
                snprintf(why, whylen, "%s", sim_strerror(rc));
            goto out;
        }
        ssize_t k = read(fd, buf + n, cap - 1 - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = fail_errno(errno, why, whylen);
            goto out;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    if (n > max_bytes) {
        if (why && whylen)
            snprintf(why, whylen, "larger than %zu bytes", max_bytes);
        rc = SIM_ERANGE;
        goto out;
    }
    buf[n] = '\0';
    sha256_t h;
    uint8_t d[32];
    sha256_init(&h);
    sha256_update(&h, buf, n);
    sha256_final(&h, d);
    hex(d, in->sha256);
    in->data = buf;
    in->len = n;
    buf = NULL;
    rc = 0;
out:
    mem_free(buf);
    close(fd);
    return rc;
}

void input_free(input_t *in)
{
    mem_free(in->data);
    memset(in, 0, sizeof *in);
}
