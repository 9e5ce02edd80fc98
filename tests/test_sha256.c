/* test_sha256.c: SHA-256 against the FIPS 180-4 example vectors, padding boundaries
 * (digests from coreutils' sha256sum), chunked updates, and the file helper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/sha256.h"

static void to_hex(const uint8_t dig[32], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[dig[i] >> 4];
        out[2 * i + 1] = hex[dig[i] & 15];
    }
    out[64] = '\0';
}

static void digest_hex(const void *msg, size_t n, char out[65])
{
    sha256_t c;
    uint8_t dig[32];
    sha256_init(&c);
    sha256_update(&c, msg, n);
    sha256_final(&c, dig);
    to_hex(dig, out);
}

/* FIPS 180-4 / NIST CSRC examples (SHA256.pdf, SHA2_Additional). */
static const struct {
    const char *msg;
    const char *hex;
} fips[] = {
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
     "klmnopqrlmnopqrsmnopqrstnopqrstu",
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
};

static void fips_vectors(void **state)
{
    char hex[65];
    for (size_t i = 0; i < sizeof fips / sizeof fips[0]; i++) {
        digest_hex(fips[i].msg, strlen(fips[i].msg), hex);
        assert_string_equal(hex, fips[i].hex);
    }
}

/* One million 'a', fed in chunks of several sizes that straddle the 64-byte block. */
static void million_a_in_chunks(void **state)
{
    static const size_t chunks[] = {1000000, 1, 3, 55, 63, 64, 65, 1000};
    enum { N = 1000000 };
    char *a = malloc(N);
    assert_non_null(a);
    memset(a, 'a', N);
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        sha256_t c;
        uint8_t dig[32];
        char hex[65];
        sha256_init(&c);
        for (size_t off = 0; off < N; off += chunks[k])
            sha256_update(&c, a + off, N - off < chunks[k] ? N - off : chunks[k]);
        sha256_final(&c, dig);
        to_hex(dig, hex);
        assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
    free(a);
}

/* Lengths around the padding boundaries (55/56 bytes: the length fits or not; 64, 120).
 * Message: byte i is '0' + i % 75; digests from `sha256sum`. */
static const struct {
    size_t n;
    const char *hex;
} lengths[] = {
    {55, "82ea60b904f221aee687a3fbf1c16e07b95cc4a66a5396fbba94d5c0c39a7741"},
    {56, "e3bdd54aee96296d602f4b1b4e105c2f2239d3826ec771fd0e100b8fca82c36e"},
    {63, "b7e43a2b31c1de0eac8ddf82620722f442a2df154b0acca01ee51c696c2d3924"},
    {64, "c42debc003290127e664a5c857c6e454cff4a7d512fcb8e5a942fb0d9c045e5f"},
    {65, "01ffe19716b8afac6c8c303f230f702106e7768dc31dec15c46f4e96c783d07e"},
    {119, "cf1fbc313085e502c323d478f938422c5852078b96b0b4f80cc09f602b18754c"},
    {120, "0e4eaa51da3b6f2eec187fd4dd7968710e85ded4d6e5b4d20c5302d699c6a0d7"},
    {128, "070bdcdc1afe8fa300ef510694ba095eb91dc587f6c37f4dbf8c686353dd2c6a"},
};

static void padding_boundaries(void **state)
{
    char msg[128], hex[65];
    for (int i = 0; i < 128; i++) msg[i] = (char)('0' + i % 75);
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        digest_hex(msg, lengths[k].n, hex);
        assert_string_equal(hex, lengths[k].hex);
    }
}

static void file_hex(void **state)
{
    char path[] = "/tmp/careflow-sha256-XXXXXX", hex[65];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "abc", 3), 3);
    close(fd);
    assert_int_equal(sha256_file_hex(path, hex), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    unlink(path);
    assert_int_equal(sha256_file_hex(path, hex), SIM_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fips_vectors),
        cmocka_unit_test(million_a_in_chunks),
        cmocka_unit_test(padding_boundaries),
        cmocka_unit_test(file_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
