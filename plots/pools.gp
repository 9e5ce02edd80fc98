# pools.gp: the workforce (pools), one pool after another, each titled with its name
# and caseload cap: the caseload it holds as a share of its capacity, then (when it
# serves stages) the children waiting for a worker in each of them; medians with 90%
# bands (pools). Loaded by careflow.gp per FMT.

reset
set datafile separator comma
sel(s, m) = strcol(3) eq s && strcol(4) eq m
# per pool: the top of its share axis (10% steps above the highest band), whether it
# serves a stage and the most children waiting in the stages it serves
array YTOP[NPOOLS]
array WMAX[NPOOLS]
array SERVES[NPOOLS]
NPANELS = 0
do for [p = 1:NPOOLS] {
    P = pname(p)
    UMAX = 1
    undefine STATS_*
    stats TS skip 1 using (sel(P, "utilisation") ? column(10) : NaN) nooutput
    if (exists("STATS_records") && STATS_records > 0) { UMAX = max(UMAX, STATS_max) }
    YTOP[p] = 10 * ceil(UMAX * 10) + 10
    SERVES[p] = pserves(p) ne "0" && strlen(pserves(p)) > 0
    WMAX[p] = 0
    if (SERVES[p]) {
        do for [w in pserves(p)] {
            undefine STATS_*
            stats TS skip 1 using (sel(name(int(w)), "waiting") ? column(10) : NaN) nooutput
            if (exists("STATS_records") && STATS_records > 0) { WMAX[p] = max(WMAX[p], STATS_max) }
        }
    }
    NPANELS = NPANELS + 1 + SERVES[p]
}
eval COMMON
T0 = TS0; T1 = TS1; MAXT = 8
eval SETDATES
W = 1000; H = 90 + 385 * NPANELS
ROWS = NPANELS
eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
set output OUTDIR . "/pools." . FMT
set multiplot layout ROWS, 1 title TITLE . "\nWorkforce: caseloads and waiting lists, pool by pool" font ",13" @FOOT_LAYOUT
# the same margins in every panel, so that their dates line up
set lmargin 12
set rmargin 12

do for [p = 1:NPOOLS] {
    P = pname(p)
    set title P . " (caseload cap " . sprintf("%g", pcap(p)) . " per worker): weighted caseload held, as a share of capacity\n" . \
        "(capacity: available workers × caseload cap)"
    set ylabel "share of capacity (%)"
    set yrange [0:YTOP[p]]
    set ytics autofreq
    set format y "%.0f%%"
    set offsets 0, 0, 0, 0
    set y2range [0 : YTOP[p] / 100.0 * pcap(p)]
    set y2tics nomirror out scale 0.5
    set y2label "weighted cases per available worker"
    unset label 1
    plot 100 with lines lw 1.5 dt (8, 5) lc rgb CAPCOL title "full capacity", \
         TS skip 1 using 2:(sel(P, "utilisation") ? 100 * column(6) : NaN):(sel(P, "utilisation") ? 100 * column(10) : NaN) \
            with filledcurves fc rgb pcol(p) fs transparent solid 0.2 notitle, \
         TS skip 1 using 2:(sel(P, "utilisation") ? 100 * column(8) : NaN) \
            with lines lw 2 lc rgb pcol(p) title P . ": median", \
         keyentry with filledcurves fc rgb "#888888" fs transparent solid 0.3 title "shading: 90% of runs"
    unset label FOOT_TAG    # (drawn once, with the first panel)

    if (SERVES[p]) {
        SV = pserves(p)
        unset y2tics; unset y2label
        set title P . ": children waiting for a worker, " . ATSTEP
        set ylabel "children waiting"
        set yrange [0:10<*]   # at least 10 children, so that none waiting is a flat line
        set format y "%g"
        CLO = 0; CHI = WMAX[p]
        eval COMMAS_Y
        if (WMAX[p] <= 0) {
            set label 1 "No child waited for a worker of " . P . " in any run" at graph 0.5, graph 0.5 center tc rgb "#555555"
        }
        set offsets 0, 0, graph 0.06, 0
        plot for [w in SV] TS skip 1 using 2:(sel(name(int(w)), "waiting") ? column(6) : NaN):(sel(name(int(w)), "waiting") ? column(10) : NaN) \
                with filledcurves fc rgb col(int(w)) fs transparent solid 0.2 notitle, \
             for [w in SV] TS skip 1 using 2:(sel(name(int(w)), "waiting") ? column(8) : NaN) \
                with lines lw 2 lc rgb col(int(w)) title stitle(int(w)), \
             keyentry with filledcurves fc rgb "#888888" fs transparent solid 0.3 title "shading: 90% of runs"
        unset label 1
    }
}
unset multiplot
unset output
