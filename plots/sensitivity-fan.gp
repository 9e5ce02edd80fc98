# sensitivity-fan.gp: one stage's series over time across the parameter sets of a
# Latin hypercube, as a fan chart (as stock-STAGE of a run), loaded by sensitivity.gp
# for plot J (data D, subject S: "Looked after: children open at each month end",
# format FMT).
# NUMBERS: rows with a median, colour (the stage's place in the scenario from 1, 0 for
# all), parameter sets.
# D, one row per date: date (YYYY-MM-DD), mean, p05, p25, p50, p75, p95, quantiles
# across the parameter sets.

reset
eval COMMON
NR = int(NUM(1)); C = NUM(2) >= 1 ? col(NUM(2)) : ALLCOL; NSETS = int(NUM(3))
W = 1000; H = 620
eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
set output OUTDIR . "/" . FILE[J] . "." . FMT
set title TITLE . "\n" . S . "\n" . (NSETS > 0 ? sprintf("Uncertainty over %d parameter sets", NSETS) : "Uncertainty over the parameter sets") . \
    ": median, middle 50% and 90% of sets"
if (NR == 0) {
    eval EMPTY
} else {
    # the dates: month-end ticks, March-aligned, as careflow.gp
    stats D using (timecolumn(1, "%Y-%m-%d")) nooutput
    T0 = STATS_min; T1 = STATS_max
    # the y axis's span, for thousands separators (units.gp)
    stats D using 3:7 nooutput
    CLO = STATS_min_x; CHI = STATS_max_y
    eval COMMAS_Y
    if (T1 <= T0) { T1 = T0 + 86400 }
    PAD = (T1 - T0) * 0.015; T0 = T0 - PAD; T1 = T1 + PAD
    set xdata time
    set timefmt "%Y-%m-%d"
    set format x "%b %Y"
    monthof(t) = int(tm_year(t)) * 12 + int(tm_mon(t))
    monthend(m) = strptime("%Y-%m-%d", sprintf("%04d-%02d-01", int((m + 1) / 12), (m + 1) % 12 + 1)) - 86400
    tickstep(nm, k) = nm <= k ? 1 : nm <= 2*k ? 2 : nm <= 3*k ? 3 : nm <= 6*k ? 6 : nm <= 12*k ? 12 : nm <= 24*k ? 24 : 60
    set xrange [T0 : T1]
    M0 = monthof(T0); M1 = monthof(T1) + 1; MS = tickstep(M1 - M0, 9)
    set xtics ()
    do for [m = M0:M1] { if ((m - 2) % MS == 0 && monthend(m) >= T0 && monthend(m) <= T1) { set xtics add (strftime("%b %Y", monthend(m)) monthend(m)) } }
    set offsets 0, 0, graph 0.06, graph 0.06
    set yrange [0<*:*]
    set ylabel "children"
    plot D using 1:3:7 with filledcurves fc rgb C fs transparent solid 0.18 title "90% of parameter sets", \
         D using 1:4:6 with filledcurves fc rgb C fs transparent solid 0.35 title "50% of parameter sets", \
         D using 1:5 with lines lw 2.2 lc rgb C title "median", \
         D using 1:2 with lines lw 1.3 dt (12, 7) lc rgb INKCOL title "mean"
}
unset output
