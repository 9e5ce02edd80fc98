# sensitivity.gp: draws the plots of a sensitivity analysis (`careflow sensitivity`)
# from the files plot_render_sensitivity() (models/commands/plot_sens.c) prepared from its CSVs.
#
#   gnuplot -d -c plots/sensitivity.gp DATADIR OUTDIR TITLE LABELS PLOTS OPTIONS
#
#   DATADIR  folder holding p1.tsv, p2.tsv, ...: plot J's data, tab-separated
#   OUTDIR   existing folder the images are written into
#   TITLE    scenario title, starts every plot title; then a tab and the footer line
#            (footer.gp)
#   LABELS   the uncertain parameters' labels, separated by tabs; the data files name
#            a parameter by its place in this list, from 1
#   PLOTS    five items per plot, separated by tabs: KIND (tornado, morris, sobol,
#            convergence, hist or fan), FILE (the image's name without extension),
#            SUBJECT (what it is about, for the title: "entries_per_year (care)"),
#            NOTES (texts made for it, separated by "|") and NUMBERS (separated by
#            spaces; NaN for none), as sensitivity-KIND.gp says
#   OPTIONS  words: png and/or svg (formats drawn)
#
# Labels and subjects arrive as ARG strings and are never parsed as gnuplot commands;
# the data files hold numbers and texts made by careflow only. Plot J of kind KIND is
# drawn by sensitivity-KIND.gp, from DATADIR/pJ.tsv. Any gnuplot error ends the script
# with a non-zero exit status.

if (ARGC < 6) {
    print "usage: gnuplot -c sensitivity.gp DATADIR OUTDIR TITLE LABELS PLOTS OPTIONS"
    exit status 2
}

set encoding utf8
TAB = "\t"
_lastslash(s, p) = p == 0 ? 0 : p + _lastslash(s[p+1:], strstrt(s[p+1:], "/"))
dirname(s) = s[1:_lastslash(s, strstrt(s, "/"))]
# 6553 -> "6,553"; small or fractional values keep 3 significant digits
_commas(n) = n < 1000 ? sprintf("%d", n) : _commas(int(n / 1000)) . sprintf(",%03d", int(n) % 1000)
num(v) = v != v ? "n/a" : abs(v) < 100 ? sprintf("%.3g", v) : (v < 0 ? "-" : "") . _commas(int(abs(v) + 0.5))
max(a, b) = a > b ? a : b
min(a, b) = a < b ? a : b

# ---- the arguments ------------------------------------------------------------------
DATADIR = ARG1
OUTDIR = ARG2
TITLE = ARG3
SCRIPTS = dirname(ARG0)
FORMATS = ""
do for [w in ARG6] { if (w eq "png" || w eq "svg") { FORMATS = FORMATS . " " . w } }

# Tab-separated lists into arrays (a loop: long lists would overflow recursion).
# LAB[i]: the label of parameter i.
NLAB = 0
REST = ARG4
while (strlen(REST) > 0) { P = strstrt(REST, TAB); NLAB = NLAB + 1; REST = P ? REST[P+1:] : "" }
array LAB[max(NLAB, 1)]
REST = ARG4
do for [i = 1:NLAB] { P = strstrt(REST, TAB); LAB[i] = P ? REST[1:P-1] : REST; REST = P ? REST[P+1:] : "" }
# KIND[j], FILE[j], SUBJ[j], NOTES[j], NUMS[j]: plot j. (An item may be empty: its
# tab is always there.)
NITEMS = 1
REST = ARG5
while (strstrt(REST, TAB) > 0) { NITEMS = NITEMS + 1; REST = REST[strstrt(REST, TAB)+1:] }
NPLOTS = strlen(ARG5) > 0 ? int(NITEMS / 5) : 0
array KIND[max(NPLOTS, 1)]
array FILE[max(NPLOTS, 1)]
array SUBJ[max(NPLOTS, 1)]
array NOTES[max(NPLOTS, 1)]
array NUMS[max(NPLOTS, 1)]
REST = ARG5 . TAB
do for [j = 1:NPLOTS] {
    P = strstrt(REST, TAB); KIND[j] = REST[1:P-1]; REST = REST[P+1:]
    P = strstrt(REST, TAB); FILE[j] = REST[1:P-1]; REST = REST[P+1:]
    P = strstrt(REST, TAB); SUBJ[j] = REST[1:P-1]; REST = REST[P+1:]
    P = strstrt(REST, TAB); NOTES[j] = REST[1:P-1]; REST = REST[P+1:]
    P = strstrt(REST, TAB); NUMS[j] = REST[1:P-1]; REST = REST[P+1:]
}
# number k and note k of the plot being drawn (J)
NUM(k) = word(NUMS[J], k) eq "NaN" ? NaN : real(word(NUMS[J], k))
_note(s, k, p) = k <= 1 ? (p ? s[1:p-1] : s) : (p ? _note(s[p+1:], k - 1, strstrt(s[p+1:], "|")) : "")
NOTE(k) = _note(NOTES[J], k, strstrt(NOTES[J], "|"))
# the unit an axis is in, after the scale careflow divided the numbers by (money, an
# output per year in pounds, in £)
ISMONEY = 0
UNIT(sc) = ISMONEY ? (sc >= 1e9 ? " (£ billions)" : sc >= 1e6 ? " (£ millions)" : sc >= 1e3 ? " (£ thousands)" : " (£)") : \
           sc >= 1e9 ? " (billions)" : sc >= 1e6 ? " (millions)" : sc >= 1e3 ? " (thousands)" : ""

# ---- look (as careflow.gp) ------------------------------------------------------------
# Okabe-Ito, then darker extras: one colour per parameter, or per stage in a fan chart
PALETTE = "#0072B2 #D55E00 #009E73 #CC79A7 #E69F00 #56B4E9 #882255 #117733 #332288 #996633"
col(i) = word(PALETTE, (int(i) - 1) % 10 + 1)
ALLCOL = "#34495E"
LOWCOL = "#0072B2"    # tornado: parameter at its low value
HIGHCOL = "#D55E00"   # and at its high value
STCOL = "#1F4E79"     # Sobol: total effect
S1COL = "#8DB6DD"     # and first order
INKCOL = "#222222"
NOTECOL = "#555555"

TERM_PNG = 'set terminal pngcairo size W, H font "sans-serif,11" noenhanced linewidth 1.2 background "#ffffff"'
TERM_SVG = 'set terminal svg size W, H dynamic font "sans-serif,11" noenhanced linewidth 1.2 background "#ffffff"'
# Everything a plot starts from (after `reset`): tab-separated input, a light grid.
COMMON = 'set datafile separator "\t"; set datafile commentschars ""; set grid xtics ytics lt 1 lc rgb "#dddddd" lw 1; set border 3 lc rgb "#444444"; set tics nomirror out scale 0.5 textcolor rgb "#222222"; set key noautotitle; set title font ",13"; set key below horizontal center Left reverse samplen 2.5 width 2 font ",10"; set style textbox opaque noborder margins 1, 1'
load SCRIPTS . "footer.gp"    # TITLE's footer on every plot (TERM_* draw it)
load SCRIPTS . "units.gp"     # thousands separators on axes of counts
# An output with no values to draw: the frame, the title and a note.
EMPTY = 'unset xtics; unset ytics; unset grid; set border 0; set xrange [0:1]; set yrange [0:1]; unset key; set label 99 "No finite values to draw for this output" at 0.5, 0.5 center tc rgb NOTECOL; plot NaN notitle'

do for [FMT in FORMATS] {
    do for [J = 1:NPLOTS] {
        D = DATADIR . "/p" . J . ".tsv"
        S = SUBJ[J]
        ISMONEY = strstrt(S, "Cost a year") == 1  # money: figures_words says "Cost a year ..."
        load SCRIPTS . "sensitivity-" . KIND[J] . ".gp"
    }
}
