# calibrate.gp: each fitted parameter's prior against its posterior (`careflow
# calibrate`), from the files plot_render_calibrate() (models/commands/plot_calib.c)
# prepared.
#
#   gnuplot -d -c plots/calibrate.gp DATADIR OUTDIR TITLE LABELS NUMBERS OPTIONS
#
#   DATADIR  folder holding p1.tsv, p2.tsv, ...: parameter I's histogram, tab-separated:
#            bin centre, prior density, posterior density
#   OUTDIR   existing folder the images are written into (posterior-I.png, .svg)
#   TITLE    scenario title (and the posterior's effective sample size), starts every
#            plot title; then a tab and the footer line (footer.gp)
#   LABELS   the parameters' labels, separated by tabs
#   NUMBERS  three per parameter, separated by spaces: estimate, 95% low, 95% high
#   OPTIONS  words: png and/or svg (formats drawn)
#
# Labels arrive as ARG strings and are never parsed as gnuplot commands.

if (ARGC < 6) {
    print "usage: gnuplot -c calibrate.gp DATADIR OUTDIR TITLE LABELS NUMBERS OPTIONS"
    exit status 2
}
set encoding utf8
TAB = "\t"
_lastslash(s, p) = p == 0 ? 0 : p + _lastslash(s[p+1:], strstrt(s[p+1:], "/"))
SCRIPTS = ARG0[1:_lastslash(ARG0, strstrt(ARG0, "/"))]
DATADIR = ARG1
OUTDIR = ARG2
TITLE = ARG3
FORMATS = ""
do for [w in ARG6] { if (w eq "png" || w eq "svg") { FORMATS = FORMATS . " " . w } }
NLAB = 0
REST = ARG4
while (strlen(REST) > 0) { P = strstrt(REST, TAB); NLAB = NLAB + 1; REST = P ? REST[P+1:] : "" }
array LAB[NLAB > 0 ? NLAB : 1]
REST = ARG4
do for [i = 1:NLAB] { P = strstrt(REST, TAB); LAB[i] = P ? REST[1:P-1] : REST; REST = P ? REST[P+1:] : "" }
NUM(i, k) = real(word(ARG5, 3 * (i - 1) + k))

PRIORCOL = "#8DB6DD"
POSTCOL = "#D55E00"
ESTCOL = "#222222"
W = 900; H = 560
TERM_PNG = 'set terminal pngcairo size W, H font "sans-serif,11" noenhanced linewidth 1.2 background "#ffffff"'
TERM_SVG = 'set terminal svg size W, H dynamic font "sans-serif,11" noenhanced linewidth 1.2 background "#ffffff"'
load SCRIPTS . "footer.gp"    # TITLE's footer on every plot (TERM_* draw it)
load SCRIPTS . "units.gp"     # thousands separators on a parameter's axis

do for [FMT in FORMATS] {
    do for [I = 1:NLAB] {
        reset
        eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
        set output OUTDIR . "/posterior-" . I . "." . FMT
        set datafile separator "\t"
        set grid xtics ytics lt 1 lc rgb "#dddddd" lw 1
        set border 3 lc rgb "#444444"
        set tics nomirror out scale 0.5
        set title TITLE . "\n" . LAB[I] . ": prior and posterior" font ",13"
        set xlabel LAB[I]
        set ylabel "density (area 1 under each)"
        set format y ""
        set yrange [0:*]
        # the key in its own strip under the axis title (right of the plot it pushed a
        # long title off the image; `below` is laid out without the footer strip and
        # drew it over the axis title)
        set bmargin 7
        set key at screen 0.5, screen FH + 4.0 / H center bottom horizontal samplen 2.5 width 2 font ",10"
        set style fill solid 0.55 border lc rgb "#ffffff"
        EST = NUM(I, 1); LO = NUM(I, 2); HI = NUM(I, 3)
        set arrow 1 from EST, graph 0 to EST, graph 1 nohead lw 2 lc rgb ESTCOL front
        set arrow 2 from LO, graph 0 to LO, graph 1 nohead lw 1.4 dt (8, 5) lc rgb ESTCOL front
        set arrow 3 from HI, graph 0 to HI, graph 1 nohead lw 1.4 dt (8, 5) lc rgb ESTCOL front
        D = DATADIR . "/p" . I . ".tsv"
        # a parameter in the tens of thousands (arrivals a year) with separators; the
        # densities' scale means nothing to a reader: their shapes are compared
        stats D using 1 nooutput
        CLO = STATS_min; CHI = STATS_max
        eval COMMAS_X
        plot D using 1:3 with boxes fc rgb POSTCOL title "posterior (weighted points)", \
             D using 1:2 with histeps lw 2 lc rgb PRIORCOL title "prior", \
             keyentry with lines lw 2 lc rgb ESTCOL title "estimate", \
             keyentry with lines lw 1.4 dt (8, 5) lc rgb ESTCOL title "95% interval"
        unset output
    }
}
