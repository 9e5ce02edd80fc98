/* rec_cin.c: placeholder */
#include "models/records/rec_int.h"
#include "sim/err.h"
int rec__read_cin(rec__b_t *b, uint32_t f, const char *data, size_t len)
{
    return rec__fail(b, f, 1, 1, "CIN census: not yet read");
}
int rec__finish_cin(rec__b_t *b) { return 0; }
void rec__free_cin(rec__b_t *b) {}
