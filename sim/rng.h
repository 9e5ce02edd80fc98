/* rng.h: PCG32 random streams (O'Neill's pcg32, XSH-RR 64/32), and the derivation of
 * independent streams from a seed by hashing.
 *
 * All randomness in careflow comes from an rng_t that the caller owns; there is no
 * global generator. A stream is derived from (seed, a, b, c) by hashing, so that e.g.
 * child k of arrival stream j in replication r gets the same draws whatever else
 * happens in the run. That is what makes replications independent of thread count
 * and scenario comparisons paired. */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

typedef struct rng {
    uint64_t state; /* private: LCG state */
    uint64_t inc;   /* private: stream increment, always odd */
} rng_t;

/* Seeds as the reference pcg32_srandom_r(rng, initstate, initseq): seed 42, stream 54
 * gives 0xa15c02b7 0x7b47f409 0xba1d3330 0x83d2f293 0xbfa4784b 0xcbed606e. */
void rng_seed(rng_t *r, uint64_t initstate, uint64_t initseq);

#define RNG_PCG_MULT 6364136223846793005ULL

/* The next 32 random bits (pcg32_random_r). Inline: every draw of every model goes
 * through it (out of line it cost a call per draw, 6-12% of a run). */
static inline uint32_t rng_u32(rng_t *r)
{
    uint64_t old = r->state;
    r->state = old * RNG_PCG_MULT + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

/* A uniform double in the open interval (0, 1), 53 bits from two draws: never 0 or 1,
 * so log() of it is always finite. k / 2^53 with k a 53-bit integer from two draws,
 * k = 0 redrawn (probability 2^-53). The values are exactly the grid
 * {1, ..., 2^53 - 1} / 2^53: never 0 or 1, symmetric about 1/2. (The tempting
 * ((x >> 11) + 0.5) * 2^-53 rounds to exactly 1.0 when x >> 11 == 2^53 - 1, since
 * 2^53 - 0.5 is not a double.) Inline, as rng_u32. */
static inline double rng_uniform(rng_t *r)
{
    uint64_t k;
    do {
        uint64_t hi = rng_u32(r);
        uint64_t lo = rng_u32(r);
        k = ((hi << 32) | lo) >> 11;
    } while (k == 0);
    return (double)k * 0x1.0p-53;
}

/* A word that names the stream r draws from (its increment): constant as it draws, and
 * different for streams derived from different names. */
static inline uint64_t rng_id(const rng_t *r) { return r->inc; }

/* A well-mixed 64-bit hash of (a, b) (SplitMix64 finaliser applied to a combination);
 * used to name streams. Pure function. */
uint64_t rng_hash(uint64_t a, uint64_t b);

/* A 64-bit hash of a NUL-terminated string (FNV-1a), to name streams by a name rather
 * than by a position. Pure function. */
uint64_t rng_hash_str(const char *s);

/* Seeds r as the stream named (seed, a, b, c): initstate and initseq are both derived
 * from rng_hash chains over the four words, so distinct names give unrelated streams. */
void rng_derive(rng_t *r, uint64_t seed, uint64_t a, uint64_t b, uint64_t c);

/* A family of streams: the name (seed, a, b) hashed once, so that member c can be
 * seeded with two hashes instead of eight (a model seeds one stream per child).
 * rng_derive_in(r, rng_family(seed, a, b), c) seeds r exactly as
 * rng_derive(r, seed, a, b, c). */
typedef struct rng_family {
    uint64_t st; /* private: hash chain of the name towards initstate */
    uint64_t sq; /* private: hash chain of the name towards initseq */
} rng_family_t;

rng_family_t rng_family(uint64_t seed, uint64_t a, uint64_t b);
void rng_derive_in(rng_t *r, rng_family_t f, uint64_t c);

#endif
