# fit.gp: observed data against the simulation (fit), one panel per series: a series
# is a metric and a set of stages (in any order in fit.csv). Each observed row is a
# black diamond labelled with pct_error; the simulated mean a coloured dot with its
# 95% confidence interval.

reset
set datafile separator comma
# the set as stage names in scenario order (unknown names dropped), joined by '+'
_canon(s, i) = i > NST ? "" : (inset(name(i), s) ? "+" . name(i) : "") . _canon(s, i + 1)
canon(s) = _canon(s, 1)[2:]
_titles(s, i, sep) = i > NST ? "" : (inset(name(i), s) ? sep . stitle(i) : "") . _titles(s, i + 1, inset(name(i), s) ? " + " : sep)
settitle(s) = strlen(OPEN) && sameset(s, OPEN) ? ALLTITLE : _titles(s, 1, "")
rowkey(dummy) = strcol(3) . "|" . canon(strcol(2))
SERIES = ""
reg(k) = strstrt(TAB . SERIES . TAB, TAB . k . TAB) > 0 ? 0 : (SERIES = SERIES . (strlen(SERIES) ? TAB : "") . k, 0)
stats FIT skip 1 using (reg(rowkey(0)), 1) nooutput
NSER = count(SERIES)
smetric(k) = k[1:strstrt(k, "|") - 1]
sstages(k) = k[strstrt(k, "|") + 1:]

COLS = NSER <= 1 ? 1 : NSER <= 4 ? 2 : 3
ROWS = NSER < 1 ? 1 : int((NSER + COLS - 1) / COLS)
W = COLS == 1 ? 1000 : 1200; H = max(600, 60 + 360 * ROWS)
eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
set output OUTDIR . "/fit." . FMT
set multiplot layout ROWS, COLS title TITLE . "\nObserved data and the simulation" font ",13" @FOOT_LAYOUT
do for [j = 1:NSER] {
    K = item(SERIES, j)
    M = smetric(K)
    SS = sstages(K)
    in(dummy) = strcol(3) eq M && canon(strcol(2)) eq SS
    unset xdata
    stats FIT skip 1 using (in(0) ? timecolumn(1, "%Y-%m-%d") : NaN) nooutput
    D0 = STATS_min; D1 = STATS_max
    # the y axis's span (observed and the simulated CI), for units.gp's COMMAS_Y
    stats FIT skip 1 using (in(0) ? column(4) : NaN) nooutput
    CLO = STATS_min; CHI = STATS_max
    undefine STATS_*
    stats FIT skip 1 using (in(0) ? column(7) : NaN) nooutput   # (empty with 1 replication)
    if (exists("STATS_records") && STATS_records > 0) { CHI = max(CHI, STATS_max) }
    PAD = max(45 * 86400, (D1 - D0) * 0.08)
    T0 = D0 - PAD; T1 = D1 + PAD
    eval COMMON
    set offsets 0, 0, graph 0.15, graph 0.15
    set yrange [0<*:*]
    MAXT = COLS == 1 ? 8 : 4
    eval SETDATES
    set title settitle(SS) . (M eq "stock" ? ": children open at the date" : ": children entering in the period ending")
    set ylabel "children"
    eval COMMAS_Y
    C = NSER == 1 ? col(1) : col(j)
    # observed first: a simulated value on top of it stays visible
    plot FIT skip 1 using 1:(in(0) ? column(4) : NaN) with points pt 13 ps 1.6 lc rgb OBSCOL title "observed", \
         FIT skip 1 using 1:(in(0) ? column(5) : NaN):(in(0) ? column(6) : NaN):(in(0) ? column(7) : NaN) with yerrorbars pt 7 ps 0.9 lw 1.5 lc rgb C title "simulated mean and 95% CI", \
         FIT skip 1 using 1:(in(0) ? column(5) : NaN) with points pt 7 ps 0.9 lc rgb C notitle, \
         FIT skip 1 using 1:(in(0) ? column(4) : NaN):(in(0) && column(8) == column(8) ? sprintf("%+.1f%%", column(8)) : "") \
            with labels left offset char 1.2, 0 font ",9" tc rgb "#333333" notitle
    unset label FOOT_TAG    # (drawn once, with the first panel)
}
unset multiplot
unset output
