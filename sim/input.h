/* input.h: reading one input file, safely: the one way careflow reads a file it is
 * given (a scenario, its includes, its CSV files).
 *
 * input_read opens the path without blocking and without making it a controlling
 * terminal, and refuses anything that is not a regular file before reading a byte: a
 * FIFO, a device or a directory would otherwise hang the reader or feed it without
 * end. It then reads at most max_bytes (a larger file is refused, however it grows
 * while being read) and hashes what it read (SHA-256), so the digest is of the very
 * bytes used, not of the file at some other moment.
 *
 * On failure nothing is allocated, *in is zeroed, and `why` holds a short reason
 * without the path (the caller names the file): the system's text for errno (thread
 * safe), "not a regular file", or "larger than N bytes". Thread safe. */
#ifndef SIM_INPUT_H
#define SIM_INPUT_H
#include <stddef.h>

typedef struct input {
    char *data;        /* the bytes read, with a NUL after them (mem_alloc'd) */
    size_t len;        /* bytes read, without the NUL */
    char sha256[65];   /* hex digest of data[0..len) */
} input_t;

/* Reads path into *in. Returns 0; SIM_EINVAL when the path names nothing readable
 * (missing, a directory, no permission, not a regular file...); SIM_ERANGE when the
 * file holds more than max_bytes; SIM_EIO when reading fails; SIM_ENOMEM. */
int input_read(const char *path, size_t max_bytes, input_t *in, char *why, size_t whylen);
/* Frees in->data (NULL is fine) and zeroes *in. */
void input_free(input_t *in);

#endif
