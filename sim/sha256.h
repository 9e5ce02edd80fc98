/* sha256.h: SHA-256 (FIPS 180-4), for the manifest's scenario digest. */
#ifndef SIM_SHA256_H
#define SIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"

typedef struct sha256 {
    uint32_t h[8];      /* private */
    uint64_t len;       /* private: bytes so far */
    uint8_t buf[64];    /* private */
    size_t nbuf;        /* private */
} sha256_t;

void sha256_init(sha256_t *c);
void sha256_update(sha256_t *c, const void *data, size_t n);
void sha256_final(sha256_t *c, uint8_t out[32]);
/* Hex digest of a file (65 bytes with the NUL). Returns 0, or SIM_EIO
 * (sim/err.h) if it cannot be opened or read. */
int sha256_file_hex(const char *path, char out[65]);

#endif
