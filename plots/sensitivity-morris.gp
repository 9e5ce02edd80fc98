# sensitivity-morris.gp: Morris screening of one output, mu* against sigma, loaded by
# sensitivity.gp for plot J (data D, subject S, format FMT).
# NUMBERS: rows, x to, y to, noise (the largest noise_ee: mu* below it is within the
# noise of the replications), scale (the numbers are divided by it: 1, 1e6 or 1e9),
# how many labels are aligned left, right and centre, how many leader lines (a `with
# labels` plot with no point can crash gnuplot 5.4: none is drawn then), then for the
# reference lines sigma/mu* = 1, 0.5 and 0.1 in turn: 1 if its label is drawn, its x,
# y and alignment (0 left, 1 right).
# D, one row per parameter: parameter, mu*, sigma, mu*_conf, label x, label y, label
# alignment (0 left, 1 right, 2 centre), then the end of a line from the point to its
# label (NaN when the label is beside the point). The labels' places are worked out in
# models/commands/plot_sens.c for this size, these margins and the reference lines' labels (MO_*
# there): change them together.

reset
eval COMMON
NR = int(NUM(1))
W = 1000; H = 700
eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
set output OUTDIR . "/" . FILE[J] . "." . FMT
set title TITLE . "\nMorris screening: " . S
if (NR == 0) {
    eval EMPTY
} else {
    XMAX = NUM(2); YMAX = NUM(3); NOISE = NUM(4); UN = UNIT(NUM(5))
    set lmargin at screen 0.085
    set rmargin at screen 0.965
    set bmargin at screen FY(0.215)
    set tmargin at screen FY(0.865)
    set key at screen 0.5, screen FY(0.075) center center horizontal maxrows 1
    set xrange [0 : XMAX]
    set yrange [0 : YMAX]
    set offsets 0, 0, 0, 0
    set xlabel "μ*: mean absolute elementary effect on " . S . UN
    set ylabel "σ: standard deviation of the elementary effects" . UN
    set label 90 "Further right: more influence. Higher up against the dashed lines: the effect depends on the other parameters (interaction) or is not linear." \
        at screen 0.5, screen FY(0.03) center font ",9" tc rgb NOTECOL
    if (NOISE > 0) {
        set object 1 rect from 0, 0 to min(NOISE, XMAX), YMAX behind fc rgb "#e9e9e9" fs solid 1.0 noborder
    }
    # the reference lines sigma = k mu*, labelled where they leave the plot
    RATIOS = "1.0 0.5 0.1"
    do for [i = 1:3] {
        B = 6 + 4 * i
        if (NUM(B) > 0 && NUM(B + 3) == 0) {
            set label 80 + i sprintf("σ/μ* = %s", word(RATIOS, i)) at NUM(B + 1), NUM(B + 2) left font ",9" tc rgb "#777777" boxed front
        }
        if (NUM(B) > 0 && NUM(B + 3) == 1) {
            set label 80 + i sprintf("σ/μ* = %s", word(RATIOS, i)) at NUM(B + 1), NUM(B + 2) right font ",9" tc rgb "#777777" boxed front
        }
    }
    set key width -2
    plot for [i = 1:3] real(word(RATIOS, i)) * x with lines dt (6, 4) lw 1.2 lc rgb "#9a9a9a" notitle, \
         for [k = 1:(NUM(9) > 0)] D using 2:3:($8 - $2):($9 - $3) with vectors nohead lw 1 lc rgb "#8a8a8a" notitle, \
         D using 2:3:($2 - $4):($2 + $4) with xerrorbars pt 7 ps 1.3 lw 1.3 lc rgb LOWCOL title "parameter: μ* and its 95% interval", \
         keyentry with lines dt (6, 4) lw 1.2 lc rgb "#9a9a9a" title "σ/μ* = 0.1, 0.5 and 1", \
         for [k = 1:(NOISE > 0)] keyentry with boxes fs solid 1.0 border lc rgb "#cccccc" fc rgb "#e9e9e9" title "within replication noise", \
         for [k = 1:(NUM(6) > 0)] D using 5:($7 == 0 ? $6 : NaN):(LAB[int($1)]) with labels left boxed font ",10" tc rgb INKCOL notitle, \
         for [k = 1:(NUM(7) > 0)] D using 5:($7 == 1 ? $6 : NaN):(LAB[int($1)]) with labels right boxed font ",10" tc rgb INKCOL notitle, \
         for [k = 1:(NUM(8) > 0)] D using 5:($7 == 2 ? $6 : NaN):(LAB[int($1)]) with labels center boxed font ",10" tc rgb INKCOL notitle
}
unset output
