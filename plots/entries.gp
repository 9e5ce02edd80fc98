# entries.gp: children entering each stage per report step, medians with 90% bands
# (entries). When the stages differ by more than 20 times (referrals against entries
# to care) the y axis is logarithmic, so that every stage stays readable.

reset
set datafile separator comma
LO = 1e300; HI = 0; BOT = 1e300; TOP = 0
do for [i = 1:NST] {
    S = name(i)
    stats TS skip 1 using ((strcol(3) eq S && strcol(4) eq "entries") ? column(8) : NaN) nooutput
    if (exists("STATS_records") && STATS_records > 0) {
        if (STATS_mean > 0 && STATS_mean < LO) { LO = STATS_mean }
        if (STATS_max > HI) { HI = STATS_max }
    }
    stats TS skip 1 using ((strcol(3) eq S && strcol(4) eq "entries" && column(6) > 0) ? column(6) : NaN) nooutput
    if (exists("STATS_records") && STATS_records > 0) { BOT = min(BOT, STATS_min) }
    stats TS skip 1 using ((strcol(3) eq S && strcol(4) eq "entries") ? column(10) : NaN) nooutput
    if (exists("STATS_records") && STATS_records > 0) { TOP = max(TOP, STATS_max) }
}
LOG = HI > 0 && LO < 1e300 && HI / LO > 20
eval COMMON
T0 = TS0; T1 = TS1; MAXT = 9
eval SETDATES
W = 1000; H = 600
eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
set output OUTDIR . "/entries." . FMT
set title TITLE . "\nChildren entering each stage " . PERSTEP
if (LOG) {
    # from the decade below the lowest band to a little above the highest median;
    # ticks at 1, 2 and 5 times each power of ten
    BOT = BOT < 1e300 ? max(1, BOT) : 1
    YLO = 10 ** int(floor(log10(BOT) + 1e-9))
    set logscale y
    set offsets 0, 0, 0, 0
    set yrange [YLO * 0.999 : max(TOP, HI) * 1.3]   # (a tick exactly at the end is dropped)
    set ytics ()
    do for [e = int(floor(log10(YLO))) : int(ceil(log10(max(TOP, HI) * 1.3)))] {
        do for [f in "1 2 5"] { set ytics add ((real(f) * 10 ** e >= 10000 ? cnum(real(f) * 10 ** e) : sprintf("%.0f", real(f) * 10 ** e)) real(f) * 10 ** e) }
    }
    set ylabel "children " . PERSTEP . " (log scale)"
    fl(v) = v < YLO ? YLO : v
} else {
    set yrange [0:*]
    set offsets 0, 0, graph 0.06, 0
    set ylabel "children " . PERSTEP
    CLO = 0; CHI = max(TOP, HI)
    eval COMMAS_Y
    fl(v) = v
}
sel(s) = strcol(3) eq s && strcol(4) eq "entries"
plot for [i = 1:NST] TS skip 1 using 2:(sel(name(i)) ? fl(column(6)) : NaN):(sel(name(i)) ? fl(column(10)) : NaN) \
        with filledcurves fc rgb col(i) fs transparent solid 0.2 notitle, \
     for [i = 1:NST] TS skip 1 using 2:(sel(name(i)) ? fl(column(8)) : NaN) \
        with lines lw 2 lc rgb col(i) title stitle(i), \
     keyentry with filledcurves fc rgb "#888888" fs transparent solid 0.3 title "shading: 90% of runs"
unset output
