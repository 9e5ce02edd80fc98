# sensitivity-hist.gp: the spread of one output over the parameter sets of a Latin
# hypercube, loaded by sensitivity.gp for plot J (data D, subject S, format FMT).
# NUMBERS: bins, x from, x to, y to, parameter sets, p05, p50, p95 (NaN when lhs.csv
# has none), mean, sd, noise sd, scale (x, the bins and p05..p95 are divided by it: 1,
# 1e6 or 1e9). NOTES: the median, the 5th and 95th percentiles, the spread against
# the noise, as texts.
# D, one row per bin: centre, parameter sets in it, low edge, high edge.

reset
eval COMMON
NB = int(NUM(1)); NSETS = int(NUM(5))
W = 1000; H = 620
eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
set output OUTDIR . "/" . FILE[J] . "." . FMT
set title TITLE . sprintf("\nUncertainty in %s over %d parameter sets", S, NSETS)
if (NB == 0) {
    eval EMPTY
} else {
    P05 = NUM(6); P50 = NUM(7); P95 = NUM(8)
    set xrange [NUM(2) : NUM(3)]
    set yrange [0 : NUM(4)]
    if (NUM(4) <= 12) { set ytics 1 }    # counts: no fractional ticks
    set offsets 0, 0, 0, 0
    set xlabel S . UNIT(NUM(12)) . ": mean over the replications of each parameter set"
    set ylabel "parameter sets"
    set grid noxtics
    set bmargin 8
    set key at screen 0.5, screen FY(0.085) center center horizontal width 1
    set label 90 NOTE(3) at screen 0.5, screen FY(0.03) center font ",9" tc rgb NOTECOL
    if (P05 == P05) { set arrow 1 from P05, graph 0 to P05, graph 1 nohead lw 1.6 dt (8, 5) lc rgb HIGHCOL front }
    if (P50 == P50) { set arrow 2 from P50, graph 0 to P50, graph 1 nohead lw 2.2 lc rgb HIGHCOL front }
    if (P95 == P95) { set arrow 3 from P95, graph 0 to P95, graph 1 nohead lw 1.6 dt (8, 5) lc rgb HIGHCOL front }
    set style fill solid 0.75 border lc rgb "#ffffff"
    plot D using 1:2:($4 - $3) with boxes fc rgb LOWCOL title "parameter sets", \
         for [k = 1:(P50 == P50)] keyentry with lines lw 2.2 lc rgb HIGHCOL title NOTE(1), \
         for [k = 1:(P05 == P05)] keyentry with lines lw 1.6 dt (8, 5) lc rgb HIGHCOL title NOTE(2)
}
unset output
