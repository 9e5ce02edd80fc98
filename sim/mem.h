/* mem.h: the one allocator every part of careflow allocates through.
 *
 * As Lua's lua_Alloc: one function does malloc, realloc and free. It is set once per
 * process, before any thread starts (main does not set it: the default is the C
 * library's); tests set a counting allocator that fails the Nth request, to prove that
 * every out-of-memory path ends in a clean error, frees what it took and writes
 * nothing (tests/test_oom.c). It is configuration, not state that changes during a
 * run: the one file-level variable in the project, and it is read only after start.
 *
 * Every function here behaves as its C library namesake; a failure returns NULL with
 * nothing allocated. libyaml and the C library allocate for themselves (their
 * failures are reported as their errors). */
#ifndef SIM_MEM_H
#define SIM_MEM_H
#include <stddef.h>

/* ptr NULL and nsize > 0: allocate; ptr and nsize > 0: resize (on failure ptr is kept);
 * nsize 0: free ptr (NULL allowed) and return NULL. */
typedef void *(*mem_alloc_fn)(void *ud, void *ptr, size_t nsize);

/* Installs f with its context (NULL restores the C library's). Call only while no
 * other thread allocates. */
void mem_set_allocator(mem_alloc_fn f, void *ud);

void *mem_alloc(size_t n);                 /* n == 0 allocates 1 byte */
void *mem_calloc(size_t n, size_t size);    /* NULL on overflow of n * size */
void *mem_realloc(void *p, size_t n);       /* n == 0 allocates 1 byte (never frees) */
void *mem_reallocarray(void *p, size_t n, size_t size); /* NULL on overflow */
void mem_free(void *p);
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);

#endif
