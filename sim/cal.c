/* cal.c: day numbers of the proleptic Gregorian calendar, day 0 = 1970-01-01.
 * days_from_civil and civil_from_days are Howard Hinnant's algorithms ("chrono-Compatible
 * Low-Level Date Algorithms"): the year is shifted to start on March 1 so the leap day
 * is the last day of the year, and 400-year eras (146097 days) make them exact for any
 * year without tables or loops. */
#include "sim/cal.h"

#include <stdio.h>

static int is_leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(long y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

long cal_from_ymd(int y, int m, int d)
{
    long yy = (long)y - (m <= 2);
    long era = (yy >= 0 ? yy : yy - 399) / 400;
    long yoe = yy - era * 400;                                      /* [0, 399] */
    long doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;    /* [0, 365] */
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;               /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void cal_to_ymd(long day, int *y, int *m, int *d)
{
    long z = day + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;                                          /* [0, 146096] */
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;     /* [0, 399] */
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                   /* [0, 365] */
    long mp = (5 * doy + 2) / 153;                                        /* [0, 11] */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int cal_parse(const char *s, long *day)
{
    int y, m, d;
    if (!s) return SIM_EINVAL;
    for (int i = 0; i < 10; i++)
        if (s[i] == '\0') return SIM_EINVAL;
    if (s[10] != '\0' || s[4] != '-' || s[7] != '-') return SIM_EINVAL;
    if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d)) return SIM_EINVAL;
    if (y < 1000 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return SIM_EINVAL;
    *day = cal_from_ymd(y, m, d);
    return 0;
}

/* Years outside 0..9999 do not fit the format: they are written as "####-##-##". */
void cal_format(long day, char out[11])
{
    int y, m, d;
    cal_to_ymd(day, &y, &m, &d);
    if (y < 0 || y > 9999) {
        const char *q = "####-##-##";
        for (int i = 0; i < 11; i++) out[i] = q[i];
        return;
    }
    int v[3] = {y, m, d}, w[3] = {4, 2, 2};
    char *p = out;
    for (int k = 0; k < 3; k++) {
        for (int i = w[k] - 1; i >= 0; i--) {
            p[i] = (char)('0' + v[k] % 10);
            v[k] /= 10;
        }
        p += w[k];
        *p++ = k < 2 ? '-' : '\0';
    }
}

long cal_month_end(long day)
{
    int y, m, d;
    cal_to_ymd(day, &y, &m, &d);
    return cal_from_ymd(y, m, days_in_month(y, m));
}

/* Reads min..max digits at *p; returns the number, or -1 for fewer than min. */
static int cal_digits(const char **p, int min, int max)
{
    int v = 0, n = 0;
    while (n < max && **p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n >= min ? v : -1;
}

int cal_parse_dmy(const char *s, long *day)
{
    const char *p = s;
    int d = cal_digits(&p, 1, 2);
    if (d < 0 || *p++ != '/')
        return SIM_EINVAL;
    int m = cal_digits(&p, 1, 2);
    if (m < 0 || *p++ != '/')
        return SIM_EINVAL;
    int y = cal_digits(&p, 4, 4);
    if (y < 1000 || *p)
        return SIM_EINVAL;
    char iso[48];
    snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
    return cal_parse(iso, day);
}
