# pools.gp: the workforce (pools): caseload held as a share of each pool's capacity,
# and the waiting list of each stage a pool serves, medians with 90% bands (pools).

reset
set datafile separator comma
UMAX = 1
do for [p = 1:NPOOLS] {
    P = pname(p)
    stats TS skip 1 using ((strcol(3) eq P && strcol(4) eq "utilisation") ? column(10) : NaN) nooutput
    if (exists("STATS_records") && STATS_records > 0) { UMAX = max(UMAX, STATS_max) }
}
YTOP = 10 * ceil(UMAX * 10) + 10
WMAX = 0
do for [w in SERVEDIDX] {
    S = name(int(w))
    stats TS skip 1 using ((strcol(3) eq S && strcol(4) eq "waiting") ? column(10) : NaN) nooutput
    if (exists("STATS_records") && STATS_records > 0) { WMAX = max(WMAX, STATS_max) }
}
eval COMMON
T0 = TS0; T1 = TS1; MAXT = 8
eval SETDATES
W = 1000; H = NSERVED > 0 ? 860 : 520
eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
set output OUTDIR . "/pools." . FMT
set multiplot layout (NSERVED > 0 ? 2 : 1), 1 title TITLE . "\nWorkforce: caseloads and waiting lists" font ",13"
# the same margins in both panels, so that their dates line up
set lmargin 12
set rmargin (NPOOLS == 1 ? 12 : 6)

set title "Weighted caseload held, as a share of capacity (available workers × caseload cap)"
set ylabel "share of capacity (%)"
set yrange [0:YTOP]
set format y "%.0f%%"
set offsets 0, 0, 0, 0
if (NPOOLS == 1) {
    set y2range [0 : YTOP / 100.0 * pcap(1)]
    set y2tics nomirror out scale 0.5
    set y2label "weighted cases per available worker"
}
sel(s, m) = strcol(3) eq s && strcol(4) eq m
plot 100 with lines lw 1.5 dt (8, 5) lc rgb CAPCOL title "full capacity", \
     for [p = 1:NPOOLS] TS skip 1 using 2:(sel(pname(p), "utilisation") ? 100 * column(6) : NaN):(sel(pname(p), "utilisation") ? 100 * column(10) : NaN) \
        with filledcurves fc rgb pcol(p) fs transparent solid 0.2 notitle, \
     for [p = 1:NPOOLS] TS skip 1 using 2:(sel(pname(p), "utilisation") ? 100 * column(8) : NaN) \
        with lines lw 2 lc rgb pcol(p) title sprintf("%s (cap %g per worker)", pname(p), pcap(p)), \
     keyentry with filledcurves fc rgb "#888888" fs transparent solid 0.3 title "shading: 90% of runs"

if (NSERVED > 0) {
    unset y2tics; unset y2label
    set title "Children waiting for a worker, " . ATSTEP
    set ylabel "children waiting"
    set yrange [0:10<*]   # at least 10 children, so that none waiting is a flat line
    set format y "%g"
    if (WMAX <= 0) {
        set label 1 "No child waited for a worker in any run" at graph 0.5, graph 0.5 center tc rgb "#555555"
    }
    set offsets 0, 0, graph 0.06, 0
    plot for [w in SERVEDIDX] TS skip 1 using 2:(sel(name(int(w)), "waiting") ? column(6) : NaN):(sel(name(int(w)), "waiting") ? column(10) : NaN) \
            with filledcurves fc rgb col(int(w)) fs transparent solid 0.2 notitle, \
         for [w in SERVEDIDX] TS skip 1 using 2:(sel(name(int(w)), "waiting") ? column(8) : NaN) \
            with lines lw 2 lc rgb col(int(w)) title stitle(int(w)), \
         keyentry with filledcurves fc rgb "#888888" fs transparent solid 0.3 title "shading: 90% of runs"
}
unset multiplot
unset output
