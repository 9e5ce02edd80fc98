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

/* The next 32 random bits (pcg32_random_r). */
uint32_t rng_u32(rng_t *r);

/* A uniform double in the open interval (0, 1), 53 bits from two draws: never 0 or 1,
 * so log() of it is always finite. */
double rng_uniform(rng_t *r);

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
