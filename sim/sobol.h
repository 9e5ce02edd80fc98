/* sobol.h: the Sobol low-discrepancy sequence in base 2, with Joe and Kuo's direction
 * numbers (new-joe-kuo-6.21201, "Constructing Sobol sequences with better
 * two-dimensional projections", SIAM J. Sci. Comput. 30 (2008) 2635-2654), optionally
 * scrambled by a random linear matrix scramble and a digital shift (Matousek 1998), the
 * randomisation scipy.stats.qmc.Sobol uses.
 *
 * The sequence is generated in Gray-code order (Antonov and Saleev): point i differs
 * from point i-1 by one XOR of direction numbers per dimension, so each point costs
 * O(dims). Points are 32-bit binary fractions; the first 2^m points of every dimension
 * put exactly one point in each interval [j/2^m, (j+1)/2^m), scrambled or not.
 *
 * A sobol_t is owned by its caller: sobol_init() allocates, sobol_free() releases.
 * All randomness comes from the rng_t passed to sobol_init (nothing global). */
#ifndef SIM_SOBOL_H
#define SIM_SOBOL_H

#include <stdint.h>

#include "sim/err.h"
#include "sim/rng.h"

#define SOBOL_MAX_DIMS 1024 /* dimensions with direction numbers in sobol.c */
#define SOBOL_MAX_POINTS 0xFFFFFFFFu /* points before the 32-bit sequence ends */

typedef struct sobol {
    int dims;           /* read-only: dimensions, 1..SOBOL_MAX_DIMS */
    uint32_t index;     /* read-only: points generated so far */
    uint32_t *v;        /* private: [dims * 32] direction numbers (scrambled if asked) */
    uint32_t *x;        /* private: [dims] the current point's bits */
} sobol_t;

/* Sets s up for `dims` dimensions. scramble NULL: the plain sequence (its point 0 is
 * the origin); otherwise the sequence is scrambled with draws from *scramble (the same
 * rng state gives the same scrambled sequence). Returns 0, or SIM_EINVAL (dims outside
 * 1..SOBOL_MAX_DIMS) or SIM_ENOMEM (sim/mem.h refused), leaving nothing to free. */
int sobol_init(sobol_t *s, int dims, rng_t *scramble);
void sobol_free(sobol_t *s);

/* Writes the next point into u[0..dims): each coordinate in [0, 1), a multiple of
 * 2^-32. Returns 0, or SIM_ERANGE once SOBOL_MAX_POINTS points have been drawn. */
int sobol_next(sobol_t *s, double *u);

#endif
