/* mem.c: the allocator hook (see mem.h). */
#include "sim/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *libc_alloc(void *ud, void *ptr, size_t nsize)
{
    (void)ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
}

/* Set once before threads start (see mem.h); never changed during a run. */
static mem_alloc_fn alloc_fn = libc_alloc;
static void *alloc_ud;

void mem_set_allocator(mem_alloc_fn f, void *ud)
{
    alloc_fn = f ? f : libc_alloc;
    alloc_ud = f ? ud : NULL;
}

void *mem_alloc(size_t n) { return alloc_fn(alloc_ud, NULL, n ? n : 1); }

void *mem_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    void *p = mem_alloc(bytes);
    if (p)
        memset(p, 0, bytes ? bytes : 1);
    return p;
}

void *mem_realloc(void *p, size_t n) { return alloc_fn(alloc_ud, p, n ? n : 1); }

void *mem_reallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return mem_realloc(p, n * size);
}

void mem_free(void *p)
{
    if (p)
        alloc_fn(alloc_ud, p, 0);
}

char *mem_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = mem_alloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

char *mem_strdup(const char *s) { return mem_strndup(s, SIZE_MAX); }
