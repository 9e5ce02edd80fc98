/* sobol.c: the Sobol sequence in base 2 (Joe and Kuo's direction numbers), Gray-code
 * order, with an optional linear matrix scramble and digital shift.
 *
 * What is always true of a sobol_t between calls:
 *  - v[k * dims + j] is direction number k+1 of dimension j as a 32-bit binary
 *    fraction (bit 31 is 2^-1), already multiplied by dimension j's scramble matrix
 *    when scrambled. The layout is k-major so that one step reads one contiguous row.
 *  - x[j] is the last point returned in dimension j; before the first call it is the
 *    point 0 itself (0, or the digital shift when scrambled).
 *  - Point i is x_0 ^ v_(c_1) ^ v_(c_2) ^ ... over the set bits of the Gray code
 *    i ^ (i >> 1); consecutive Gray codes differ in bit ctz(i) alone, so point i is
 *    point i-1 ^ v[ctz(i)] (Antonov and Saleev 1979).
 *
 * Direction numbers: v_k = m_k 2^(32-k) for k <= s, and for k > s the recurrence of
 * Bratley and Fox (1988), as in Joe and Kuo's sobol.cc:
 *   v_k = v_(k-s) ^ (v_(k-s) >> s) ^ a_1 v_(k-1) ^ ... ^ a_(s-1) v_(k-s+1).
 *
 * Scramble (Matousek 1998, "On the L2-discrepancy for anchored boxes", the randomisation
 * of scipy.stats.qmc.Sobol(scramble=True)): for each dimension a random 32x32 binary
 * matrix L, lower triangular with unit diagonal when bit rows are ordered from 2^-1
 * down, multiplies every direction number (output bit p depends only on input bits as
 * significant or more), and a random 32-bit digital shift becomes point 0. L is
 * invertible, and the significant bits of a coordinate depend only on significant bits,
 * so every (t,m,s)-net property of the plain sequence survives. Draws are made
 * dimension by dimension (31 for L's rows below the first, then 1 for the shift), so the
 * first d coordinates of a scrambled sequence do not depend on how many dimensions it
 * has: the same rng state gives the same first d columns with dims = d or dims > d. */
#include "sim/sobol.h"

#include <stddef.h>

#include "sim/mem.h"

#define BITS 32 /* bits per coordinate, and direction numbers per dimension */

/* Rows "d, s, a, m_1, ..., m_s," for d = 2..SOBOL_MAX_DIMS: see sobol_dirs.inc. */
static const uint16_t joe_kuo[] = {
#include "sim/sobol_dirs.inc"
};

static unsigned ctz32(uint32_t w) /* w != 0 */
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_ctz(w);
#else
    unsigned c = 0;
    while (!(w & 1u)) {
        w >>= 1;
        c++;
    }
    return c;
#endif
}

static uint32_t parity32(uint32_t w)
{
    w ^= w >> 16;
    w ^= w >> 8;
    w ^= w >> 4;
    w ^= w >> 2;
    w ^= w >> 1;
    return w & 1u;
}

/* The 32 direction numbers of a dimension from its row (s, a, m_1..m_s). */
static void directions(uint32_t dv[BITS], unsigned s, unsigned a, const uint16_t *m)
{
    for (unsigned k = 1; k <= BITS; k++) {
        uint32_t w;
        if (k <= s) {
            w = (uint32_t)m[k - 1] << (BITS - k);
        } else {
            w = dv[k - s - 1] ^ (dv[k - s - 1] >> s);
            for (unsigned i = 1; i < s; i++)
                if ((a >> (s - 1 - i)) & 1u) w ^= dv[k - i - 1];
        }
        dv[k - 1] = w;
    }
}

/* Multiplies dv by a fresh random unit lower-triangular matrix and returns a fresh
 * random shift, drawing 32 words from r. Row p of L (output bit 31-p) is a mask of the
 * input bits it sums: bit 31-p itself and a random subset of the p bits above it. */
static uint32_t scramble_dim(uint32_t dv[BITS], rng_t *r)
{
    uint32_t row[BITS];
    row[0] = 1u << (BITS - 1);
    for (unsigned p = 1; p < BITS; p++)
        row[p] = (rng_u32(r) & ~(UINT32_MAX >> p)) | (1u << (BITS - 1 - p));
    for (unsigned k = 0; k < BITS; k++) {
        uint32_t w = 0;
        for (unsigned p = 0; p < BITS; p++) w |= parity32(row[p] & dv[k]) << (BITS - 1 - p);
        dv[k] = w;
    }
    return rng_u32(r);
}

int sobol_init(sobol_t *s, int dims, rng_t *scramble)
{
    if (!s) return SIM_EINVAL;
    s->dims = 0;
    s->index = 0;
    s->v = NULL;
    s->x = NULL;
    if (dims < 1 || dims > SOBOL_MAX_DIMS) return SIM_EINVAL;
    size_t n = (size_t)dims;
    uint32_t *v = mem_reallocarray(NULL, n * BITS, sizeof *v);
    uint32_t *x = mem_reallocarray(NULL, n, sizeof *x);
    if (!v || !x) goto err;

    const uint16_t *row = joe_kuo;
    for (size_t j = 0; j < n; j++) {
        uint32_t dv[BITS];
        if (j == 0) { /* van der Corput: all m_k = 1 */
            for (unsigned k = 0; k < BITS; k++) dv[k] = 1u << (BITS - 1 - k);
        } else { /* row: d = j + 1, s, a, m_1..m_s */
            unsigned deg = row[1];
            directions(dv, deg, row[2], row + 3);
            row += 3 + deg;
        }
        x[j] = scramble ? scramble_dim(dv, scramble) : 0u;
        for (unsigned k = 0; k < BITS; k++) v[k * n + j] = dv[k];
    }
    s->dims = dims;
    s->v = v;
    s->x = x;
    return 0;
err:
    mem_free(v);
    mem_free(x);
    return SIM_ENOMEM;
}

void sobol_free(sobol_t *s)
{
    if (!s) return;
    mem_free(s->v);
    mem_free(s->x);
    s->v = NULL;
    s->x = NULL;
    s->dims = 0;
}

int sobol_next(sobol_t *s, double *u)
{
    if (s->index == SOBOL_MAX_POINTS) return SIM_ERANGE;
    uint32_t *x = s->x;
    size_t n = (size_t)s->dims;
    if (s->index == 0) {
        for (size_t j = 0; j < n; j++) u[j] = (double)x[j] * 0x1.0p-32;
    } else {
        const uint32_t *vc = s->v + (size_t)ctz32(s->index) * n;
        for (size_t j = 0; j < n; j++) {
            x[j] ^= vc[j];
            u[j] = (double)x[j] * 0x1.0p-32;
        }
    }
    s->index++;
    return 0;
}
