/* cal.h: the proleptic Gregorian calendar as day numbers (days since 1970-01-01), for
 * turning ISO dates into simulation days and back. */
#ifndef SIM_CAL_H
#define SIM_CAL_H

#include "sim/err.h"

#define CAL_DAYS_PER_YEAR 365.25 /* careflow's year, for rates per year */

/* Parses exactly "YYYY-MM-DD" (a real date, year 1000..9999) into *day. Returns 0, or
 * SIM_EINVAL (sim/err.h) with *day untouched. */
int cal_parse(const char *s, long *day);
/* Writes "YYYY-MM-DD" (11 bytes with the NUL) for day number `day`; a year outside
 * 0..9999 does not fit and is written as "####-##-##". */
void cal_format(long day, char out[11]);
/* Parses "DD/MM/YYYY" as UK spreadsheets and extracts write it (day and month of one or
 * two digits: "1/4/2023"; a real date, year 1000..9999) into *day. Returns 0, or
 * SIM_EINVAL with *day untouched. */
int cal_parse_dmy(const char *s, long *day);
long cal_from_ymd(int y, int m, int d);
void cal_to_ymd(long day, int *y, int *m, int *d);
/* Day number of the last day of the month containing `day`. */
long cal_month_end(long day);

#endif
