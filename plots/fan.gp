# fan.gp: one fan chart of the stock of stage S (a name, or "all"), loaded by stock.gp.
# In: S, PT (panel title), C (colour), KEYS (1: draw the key). The terminal, output and
# any multiplot are the caller's.

sel(m) = strcol(3) eq S && strcol(4) eq m
OBSSET = S eq "all" ? OPEN : S
isobs(dummy) = strcol(3) eq "stock" && sameset(strcol(2), OBSSET)
# labels of points near either end are aligned inwards, away from the axes
edge(c) = (timecolumn(c, "%Y-%m-%d") - T0) < 0.08 * (T1 - T0) ? -1 : (T1 - timecolumn(c, "%Y-%m-%d")) < 0.08 * (T1 - T0) ? 1 : 0
set title PT
set ylabel "children"
set yrange [0<*:*]    # autoscaled, but a stock is never below 0
if (!KEYS) { unset key }
set style textbox opaque noborder margins 1, 1
# How many observed points fall in each label position (the observed points, and
# their key entry, are drawn only for a stage that has some). gnuplot 5.4.4 crashes on a
# `with labels` plot whose points are all filtered out of a one-row file, so a label
# layer is drawn only when it has points. (stats does not run in time mode.)
NL = 0; NC = 0; NR = 0
# the y axis's span, for thousands separators (units.gp): the bands and observed points
set xdata
undefine STATS_*
stats TS skip 1 using (sel("stock") ? column(6) : NaN) nooutput
CLO = exists("STATS_records") && STATS_records > 0 ? STATS_min : 0
undefine STATS_*
stats TS skip 1 using (sel("stock") ? column(10) : NaN) nooutput
CHI = exists("STATS_records") && STATS_records > 0 ? STATS_max : 0
if (HAVEFIT) {
    undefine STATS_*
    stats FIT skip 1 using (isobs(0) ? column(4) : NaN) nooutput
    if (exists("STATS_records") && STATS_records > 0) { CLO = min(CLO, STATS_min); CHI = max(CHI, STATS_max) }
}
set xdata time
eval COMMAS_Y
if (HAVEFIT) {
    set xdata
    stats FIT skip 1 using (isobs(0) && edge(1) == -1 ? 1 : 0) nooutput
    NL = STATS_sum > 0
    stats FIT skip 1 using (isobs(0) && edge(1) == 0 ? 1 : 0) nooutput
    NC = STATS_sum > 0
    stats FIT skip 1 using (isobs(0) && edge(1) == 1 ? 1 : 0) nooutput
    NR = STATS_sum > 0
    set xdata time
}
plot TS skip 1 using 2:(sel("stock") ? column(6) : NaN):(sel("stock") ? column(10) : NaN) \
        with filledcurves fc rgb C fs transparent solid 0.18 title "90% of runs", \
     TS skip 1 using 2:(sel("stock") ? column(7) : NaN):(sel("stock") ? column(9) : NaN) \
        with filledcurves fc rgb C fs transparent solid 0.35 title "50% of runs", \
     TS skip 1 using 2:(sel("stock") ? column(8) : NaN) with lines lw 2.2 lc rgb C title "median", \
     TS skip 1 using 2:(sel("stock") ? column(5) : NaN) with lines lw 1.3 dt (12, 7) lc rgb "#222222" title "mean", \
     for [k = 1:(NL + NC + NR > 0)] FIT skip 1 using 1:(isobs(0) ? column(4) : NaN) \
        with points pt 7 ps 1.1 lc rgb OBSCOL title "observed", \
     for [k = 1:NL] FIT skip 1 using 1:(isobs(0) && edge(1) == -1 ? column(4) : NaN):(num(column(4))) \
        with labels boxed left offset char 0.2, 1.1 font ",10" notitle, \
     for [k = 1:NC] FIT skip 1 using 1:(isobs(0) && edge(1) == 0 ? column(4) : NaN):(num(column(4))) \
        with labels boxed center offset char 0, 1.1 font ",10" notitle, \
     for [k = 1:NR] FIT skip 1 using 1:(isobs(0) && edge(1) == 1 ? column(4) : NaN):(num(column(4))) \
        with labels boxed right offset char -0.2, 1.1 font ",10" notitle
