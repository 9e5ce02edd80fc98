/* est_template.c: an estimate written into a template scenario (est_internal.h). */
#include "models/estimate/est_internal.h"

#include "sim/err.h"

int est__write_template(const est__t *E, est__text_t *t, char *err, size_t errlen)
{
    (void)E;
    (void)t;
    return sim_err_set(err, errlen, SIM_EINVAL, "--template is not supported yet");
}
