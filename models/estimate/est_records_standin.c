/* est_records_standin.c: TEMPORARY stand-ins for the record readers, so this branch
 * links before models/records/ lands; compiled to nothing as soon as the readers are
 * there (their internal header rec_int.h exists). Delete this file when merging. */
#if defined(__has_include)
#if __has_include("models/records/rec_int.h")
#define EST_HAVE_RECORDS 1
#endif
#endif

#ifndef EST_HAVE_RECORDS
#include "models/records/records.h"
#include "sim/err.h"

int rec_read(const char *const *paths, int n_paths, const rec_opts_t *o, rec_set_t **out,
             char *err, size_t errlen)
{
    (void)paths;
    (void)n_paths;
    (void)o;
    *out = NULL;
    return sim_err_set(err, errlen, SIM_EIO, "the record readers are not built yet");
}

int rec_write_quality(const rec_set_t *rs, FILE *f)
{
    (void)rs;
    (void)f;
    return 0;
}

void rec_free(rec_set_t *rs) { (void)rs; }
#else
typedef int est_records_standin_empty; /* ISO C wants a translation unit to hold something */
#endif
