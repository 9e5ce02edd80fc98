# stock.gp: the stock of each stage and of `all` as fan charts, one file each
# (stock-NAME) and all of them in one grid (stocks). Loaded by careflow.gp per FMT.

do for [i = 1:NST + 1] {
    reset
    eval COMMON
    T0 = TS0 - TSPAD; T1 = TS1 + TSPAD; MAXT = 9
    eval SETDATES
    W = 1000; H = 600
    eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
    S = i <= NST ? name(i) : "all"
    C = i <= NST ? col(i) : ALLCOL
    ST = i <= NST ? stitle(i) : ALLTITLE
    set output OUTDIR . "/stock-" . fname(S) . "." . FMT
    PT = TITLE . "\n" . ST . ": children open " . ATSTEP
    KEYS = 1
    load SCRIPTS . "fan.gp"
    unset output
}

# The overview: every stage, then `all`, in a grid.
reset
eval COMMON
N = NST + 1
COLS = N <= 1 ? 1 : N <= 4 ? 2 : N <= 9 ? 3 : 4
ROWS = int((N + COLS - 1) / COLS)
T0 = TS0 - TSPAD; T1 = TS1 + TSPAD; MAXT = COLS >= 3 ? 4 : 5
eval SETDATES
W = 1200; H = 100 + 320 * ROWS
eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
set output OUTDIR . "/stocks." . FMT
set multiplot layout ROWS, COLS title TITLE . "\nChildren open " . ATSTEP . ", by stage\n" . \
    "Line: median of runs; shading: middle 50% and 90% of runs (the spread of replications); dashed: mean" . \
    (HAVEFIT ? "; dots: observed" : "") font ",13" @FOOT_LAYOUT
KEYS = 0
do for [i = 1:N] {
    S = i <= NST ? name(i) : "all"
    C = i <= NST ? col(i) : ALLCOL
    PT = i <= NST ? stitle(i) : ALLTITLE
    load SCRIPTS . "fan.gp"
    unset label FOOT_TAG    # (drawn once, with the first panel)
}
unset multiplot
unset output
