/* fmt.h: the one number formatter and the CSV and JSON field writers.
 *
 * Every number careflow writes to a data file goes through fmt_num (or fmt_num_str
 * for a buffer): 10 significant digits ("%.10g"), -0 written as 0, NaN as an empty
 * field (an undefined figure). CSV fields follow RFC 4180: quoted only when they hold
 * a comma, a quote or a line break, with quotes doubled. JSON strings are escaped and
 * keep valid UTF-8; an invalid byte becomes U+FFFD. No state, no allocation; the
 * FILE's error flag records a failed write (the caller checks ferror/fclose). */
#ifndef SIM_FMT_H
#define SIM_FMT_H

#include <stddef.h>
#include <stdio.h>

void fmt_num(FILE *f, double x);            /* %.10g; NaN: nothing */
void fmt_field(FILE *f, const char *s);     /* a CSV field, quoted if it must be */
void fmt_json_str(FILE *f, const char *s);  /* a JSON string with its quotes; NULL: "" */

/* x as fmt_num writes it, into buf (len >= 1; "" for NaN). Returns buf. */
char *fmt_num_str(char *buf, size_t len, double x);

#endif
