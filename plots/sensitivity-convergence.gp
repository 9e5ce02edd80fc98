# sensitivity-convergence.gp: how one output's Sobol indices settle as the sample
# grows, one panel per parameter on common axes, loaded by sensitivity.gp for plot J
# (data D, subject S, format FMT).
# NUMBERS: rows, N from, N to, y from, y to, how many parameters, then their numbers.
# D, by parameter then N, a blank line between parameters: parameter, N, S1, S1 low,
# S1 high, ST, ST low, ST high (the lows and highs: +- the 95% half-width).

reset
eval COMMON
NR = int(NUM(1))
NP = int(NUM(6))
COLS = NP <= 1 ? 1 : NP <= 4 ? 2 : 3
ROWS = NP < 1 ? 1 : int((NP + COLS - 1) / COLS)
W = COLS == 1 ? 1000 : 1200; H = 150 + 290 * ROWS
eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
set output OUTDIR . "/" . FILE[J] . "." . FMT
PT = TITLE . "\nConvergence of Sobol indices: " . S
if (NR == 0) {
    set title PT
    eval EMPTY
} else {
    set logscale x 2
    N0 = NUM(2); N1 = NUM(3)
    set xrange [N0 / 1.25 : N1 * 1.25]
    set yrange [NUM(4) : NUM(5)]
    set offsets 0, 0, 0, 0
    # a tick at each power of 2 from N0 to N1 (every other one when there are many)
    E0 = int(ceil(log(N0) / log(2) - 1e-9)); E1 = int(floor(log(N1) / log(2) + 1e-9))
    ES = (E1 - E0) > 6 ? 2 : 1
    set xtics ()
    do for [e = E0:E1:ES] { set xtics add (sprintf("%.0f", 2.0 ** e) 2.0 ** e) }
    set mxtics 1
    set format y "%.1f"
    set grid xtics ytics
    unset key
    sel(p, c) = int(column(1)) == p ? column(c) : NaN
    set multiplot layout ROWS, COLS title PT . "\nSolid: total effect ST; dashed: first-order S1; shading: 95% intervals; " . \
        "x: base sample size N (log scale)" font ",13" @FOOT_LAYOUT
    do for [k = 1:NP] {
        P = int(NUM(6 + k))
        C = col(P)
        set title LAB[P] font ",10"
        plot D using 2:(sel(P, 7)):(sel(P, 8)) with filledcurves fc rgb C fs transparent solid 0.22 notitle, \
             D using 2:(sel(P, 4)):(sel(P, 5)) with filledcurves fc rgb C fs transparent solid 0.10 notitle, \
             0 with lines lw 1 lc rgb "#aaaaaa" notitle, \
             D using 2:(sel(P, 6)) with linespoints pt 7 ps 0.7 lw 2 lc rgb C notitle, \
             D using 2:(sel(P, 3)) with linespoints pt 6 ps 0.7 lw 1.5 dt (7, 4) lc rgb C notitle
        unset label FOOT_TAG    # (drawn once, with the first panel)
    }
    unset multiplot
}
unset output
