# sensitivity-sobol.gp: Sobol indices of one output, first-order and total, as
# horizontal bar pairs (long labels stay readable), loaded by sensitivity.gp for plot J
# (data D, subject S, format FMT).
# NUMBERS: rows, x from, x to, 1 if some parameter is within replication noise, the
# last x tick, how many rows have S1 and ST (a `with labels` plot with no point can
# crash gnuplot 5.4: none is drawn then).
# D, one row per parameter, the largest total index first: pos (rows down to 1, the
# top highest), parameter, S1, S1_conf, ST, ST_conf, 1 if within replication noise,
# S1 as text, ST as text.

reset
eval COMMON
NR = int(NUM(1))
W = 1200; H = max(480, 220 + 58 * NR)
eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
set output OUTDIR . "/" . FILE[J] . "." . FMT
set title TITLE . "\nSobol indices: " . S
if (NR == 0) {
    eval EMPTY
} else {
    SWAMPED = NUM(4)
    set xrange [NUM(2) : NUM(3)]
    set yrange [0.4 : NR + 0.6]
    set xtics NUM(2), 0.1, NUM(5)
    set format x "%.1f"
    set xlabel "share of the variance of " . S
    set grid noytics
    set ytics scale 0 font ",10"
    set border 1
    set offsets 0, 0, 0, 0
    if (NUM(2) < 0) { set arrow 1 from 0, graph 0 to 0, graph 1 nohead lw 1 lc rgb INKCOL front }
    if (SWAMPED != 0) {
        set bmargin 8
        set key at screen 0.5, screen FY(0.1) center center horizontal
        set label 90 "* within replication noise: the index cannot be told apart from the noise of the simulation" \
            at screen 0.5, screen FY(0.03) center font ",9" tc rgb NOTECOL
    }
    set style fill solid 1.0 noborder
    DY = 0.19; HALF = 0.17
    plot D using (max($5, 0) / 2):($1 + DY):(min($5, 0)):(max($5, 0)):($1 + DY - HALF):($1 + DY + HALF):ytic(LAB[int($2)] . ($7 != 0 ? " *" : "")) \
            with boxxyerror fc rgb STCOL title "total effect ST (alone and through interactions)", \
         D using (max($3, 0) / 2):($1 - DY):(min($3, 0)):(max($3, 0)):($1 - DY - HALF):($1 - DY + HALF) \
            with boxxyerror fc rgb S1COL title "first-order S1 (alone)", \
         D using 5:($1 + DY):($5 - $6):($5 + $6) with xerrorbars pt -1 lw 1.2 lc rgb INKCOL title "95% interval", \
         D using 3:($1 - DY):($3 - $4):($3 + $4) with xerrorbars pt -1 lw 1.2 lc rgb INKCOL notitle, \
         for [k = 1:(NUM(7) > 0)] D using (max($5 + $6, max($5, 0))):($1 + DY):9 with labels left offset char 0.6, 0 font ",9" tc rgb INKCOL notitle, \
         for [k = 1:(NUM(6) > 0)] D using (max($3 + $4, max($3, 0))):($1 - DY):8 with labels left offset char 0.6, 0 font ",9" tc rgb INKCOL notitle
}
unset output
