/* failalloc.h: the tests' failing allocator (as SQLite's test_malloc.c and Lua's
 * ltests.c): installed with sim/mem.h's hook, it counts every request, fails the one
 * numbered fail_at (1-based; 0: none) and counts the blocks still allocated, so a test
 * can fail each allocation of an operation in turn and check that every one ends in a
 * clean error and frees what it took. Header-only (static functions), included by one
 * test file each. Thread safe (atomics): with one thread the Nth request is the same
 * every time, so the tests run their operations on one thread. */
#ifndef TESTS_FAILALLOC_H
#define TESTS_FAILALLOC_H

#include <stdatomic.h>
#include <stdlib.h>

#include "sim/mem.h"

typedef struct failalloc {
    atomic_long calls; /* requests so far (allocations and resizes, not frees) */
    long fail_at;      /* the request that fails (1-based); 0: none */
    atomic_long live;  /* blocks allocated and not yet freed */
} failalloc_t;

static void *failalloc_fn(void *ud, void *ptr, size_t nsize)
{
    failalloc_t *a = ud;
    if (nsize == 0) {
        if (ptr)
            atomic_fetch_sub(&a->live, 1);
        free(ptr);
        return NULL;
    }
    if (atomic_fetch_add(&a->calls, 1) + 1 == a->fail_at)
        return NULL;
    void *p = realloc(ptr, nsize);
    if (p && !ptr)
        atomic_fetch_add(&a->live, 1);
    return p;
}

/* Counts from zero, failing request n (0: none), from now until failalloc_end(). */
static inline void failalloc_begin(failalloc_t *a, long n)
{
    atomic_store(&a->calls, 0);
    atomic_store(&a->live, 0);
    a->fail_at = n;
    mem_set_allocator(failalloc_fn, a);
}

/* Back to the C library's allocator. Blocks allocated meanwhile must all be freed
 * before this (their frees are counted only while the hook is in). */
static inline void failalloc_end(void) { mem_set_allocator(NULL, NULL); }

#endif
