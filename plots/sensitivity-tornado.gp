# sensitivity-tornado.gp: a tornado chart of one output (one-at-a-time analysis),
# loaded by sensitivity.gp for plot J (data D, subject S, format FMT).
# NUMBERS: rows, x from, x to, base (the output with every parameter at its median),
# scale (the numbers are divided by it: 1, 1e6 or 1e9), the longest swing text's
# length, how many bar ends lie left of the base and right of it (a `with labels`
# plot with no point can crash gnuplot 5.4: none is drawn then). NOTES: the base as
# text.
# D, one row per parameter, the largest swing first: pos (rows down to 1, the top
# bar highest), parameter, y_low, y_high, base, left end, its value as text, right
# end, its value as text, the swing with its 95% interval as text.

reset
eval COMMON
NR = int(NUM(1))
W = 1280; H = max(480, 210 + 50 * NR)
eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
set output OUTDIR . "/" . FILE[J] . "." . FMT
set title TITLE . "\nHow each uncertain parameter moves " . S
if (NR == 0) {
    eval EMPTY
} else {
    BASE = NUM(4)
    set xrange [NUM(2) : NUM(3)]
    set yrange [0.4 : NR + 0.6]
    set y2range [0.4 : NR + 0.6]
    set xlabel S . UNIT(NUM(5))
    set grid noytics
    set ytics scale 0 font ",10"
    set y2tics scale 0 font ",10" textcolor rgb NOTECOL
    set rmargin max(24, NUM(6) + 5)
    set bmargin 6
    set label 1 "the swing: high minus low\n(95% interval)" at graph 1, graph 0 left offset char 2, -1.1 \
        font ",10" tc rgb NOTECOL
    set border 1
    set offsets 0, 0, 0, 0
    set arrow 1 from BASE, graph 0 to BASE, graph 1 nohead lw 1.5 lc rgb INKCOL front
    set style fill solid 0.9 noborder
    set key width 1
    HALF = 0.34
    # the halves: from the base to the output at the low and at the high value
    plot D using (($3 + $5) / 2):1:(min($3, $5)):(max($3, $5)):($1 - HALF):($1 + HALF):ytic(LAB[int($2)]) \
            with boxxyerror fc rgb LOWCOL title "parameter at its low value", \
         D using (($4 + $5) / 2):1:(min($4, $5)):(max($4, $5)):($1 - HALF):($1 + HALF) \
            with boxxyerror fc rgb HIGHCOL fs transparent solid 0.85 noborder title "at its high value", \
         keyentry with lines lw 1.5 lc rgb INKCOL title "every parameter at its median: " . NOTE(1), \
         for [k = 1:(NUM(7) > 0)] D using 6:1:7 with labels right offset char -0.4, 0 font ",9" tc rgb INKCOL notitle, \
         for [k = 1:(NUM(8) > 0)] D using 8:1:9 with labels left offset char 0.4, 0 font ",9" tc rgb INKCOL notitle, \
         D using (BASE):1:y2tic(strcol(10)) axes x1y2 with points ps 0 notitle
}
unset output
