# sweep.gp: draws the plots of a careflow sweep (`careflow sweep`) from the CSVs it
# wrote.
#
#   gnuplot -d -c plots/sweep.gp DATADIR OUTDIR TITLE PATHS JOBS TARGET ANSWER GRID FORMATS
#
#   DATADIR  folder holding sweep.csv (and sweep_answer.csv with a target)
#   OUTDIR   existing folder the images are written into
#   TITLE    the scenario's title, then a tab and the footer line (footer.gp)
#   PATHS    three lines: the swept --set path, or the two paths separated by a tab
#            (a heat map); the paths in words, likewise; each chart's figure in words
#            ("Days waiting for Child in need (mean)"), tab-separated, in JOBS's order
#   JOBS     four words per chart, separated by spaces: METRIC, STAGE (as in
#            sweep.csv), the image's base name, and 1 for the target's figure (else 0)
#   TARGET   "<= X" or ">= X", or empty (no target)
#   ANSWER   one path: the answer's value, or empty (none); two paths: 1 if
#            sweep_answer.csv holds an answer, or empty
#   GRID     the steps of the two paths ("STEP1 STEP2"; the second 0 for one path)
#   FORMATS  words: png and/or svg
#
# One path: per figure, its mean over replications against the value (line), the 95%
# interval of that mean (dark band) and the 5th to 95th percentiles of the replications
# (light band); the answer as a vertical line on every chart; on the target's figure the
# target as a dashed line and the share of replications meeting it (right axis).
# Two paths: per figure, a heat map of its mean at each pair of values; on the
# target's, the cells where the target holds in at least 90% of replications (circles)
# and the answer on the first path at each value of the second (black line).
# Lists come in as ARG strings and are never parsed as gnuplot commands. Any gnuplot
# error ends the script with a non-zero exit status.

if (ARGC < 9) {
    print "usage: gnuplot -c sweep.gp DATADIR OUTDIR TITLE PATHS JOBS TARGET ANSWER GRID FORMATS"
    exit status 2
}

set encoding utf8
TAB = "\t"
_head(l, p) = p == 0 ? l : l[1:p-1]
_tail(l, p) = p == 0 ? "" : l[p+1:]
head(l) = _head(l, strstrt(l, TAB))
tail(l) = _tail(l, strstrt(l, TAB))

_lastslash(s, p) = p == 0 ? 0 : p + _lastslash(s[p+1:], strstrt(s[p+1:], "/"))
SCRIPTS = ARG0[1:_lastslash(ARG0, strstrt(ARG0, "/"))]
DATADIR = ARG1
OUTDIR = ARG2
TITLE = ARG3
NL = "\n"
_line(l, p) = p == 0 ? l : l[1:p-1]
_rest(l, p) = p == 0 ? "" : l[p+1:]
_nth(l, k) = k <= 1 ? head(l) : _nth(tail(l), k - 1)
PLINE = _line(ARG4, strstrt(ARG4, NL))
WLINES = _rest(ARG4, strstrt(ARG4, NL))
PWLINE = _line(WLINES, strstrt(WLINES, NL))
FWLINE = _rest(WLINES, strstrt(WLINES, NL))
PATH1 = head(PLINE)
PATH2 = tail(PLINE)
PW1 = strlen(PWLINE) > 0 ? head(PWLINE) : PATH1
PW2 = strlen(PWLINE) > 0 ? tail(PWLINE) : PATH2
JOBS = ARG5
TARGET = ARG6
ANSWER = ARG7
STEP1 = real(word(ARG8, 1))
STEP2 = real(word(ARG8, 2))
FORMATS = ""
do for [w in ARG9] { if (w eq "png" || w eq "svg") { FORMATS = FORMATS . " " . w } }
D = DATADIR . "/sweep.csv"
A = DATADIR . "/sweep_answer.csv"
NJ = int(words(JOBS) / 4)
HAS_TARGET = strlen(TARGET) > 0
TOP = HAS_TARGET ? word(TARGET, 1) : ""
TX = HAS_TARGET ? real(word(TARGET, 2)) : 0
TWO = strlen(PATH2) > 0

# ---- look (as careflow.gp) ------------------------------------------------------------
FANCOL = "#0072B2"
TGTCOL = "#D55E00"
W = 1000; H = 640
TERM_PNG = 'set terminal pngcairo size W, H font "sans-serif,11" noenhanced linewidth 1.2 background "#ffffff"'
TERM_SVG = 'set terminal svg size W, H dynamic font "sans-serif,11" noenhanced linewidth 1.2 background "#ffffff"'
load SCRIPTS . "footer.gp"    # TITLE's footer on every plot (TERM_* draw it)
load SCRIPTS . "units.gp"     # thousands separators on axes of counts
max(a, b) = a > b ? a : b
min(a, b) = a < b ? a : b
COMMON = 'set datafile separator comma; set grid xtics ytics lt 1 lc rgb "#dddddd" lw 1; set border 3 lc rgb "#444444"; set tics nomirror out scale 0.5 textcolor rgb "#222222"; set key noautotitle; set title font ",13"; set key below horizontal center Left reverse samplen 2.5 width 2 font ",10"'

# what each metric measures, for the axis
ylab(m) = m eq "mean_wait_days" ? "mean wait for a worker (days)" : \
          m eq "avg_waiting" ? "children waiting for a worker (average)" : \
          m eq "avg_utilisation" ? "utilisation (% of caseload capacity in use)" : \
          m eq "avg_caseload_per_worker" ? "weighted cases per available worker" : \
          m eq "avg_used" ? "weighted cases held (average)" : \
          m eq "avg_stock" ? "children open (average)" : \
          m eq "entries_per_year" ? "entries per year" : \
          m eq "exits_per_year" ? "exits per year" : \
          m eq "cost_per_year" ? "cost a year (£ million)" : \
          ismoney(m) ? m . " (£ million)" : m
# costs are drawn in £ million (a £300k difference on a £30m total reads as 30.0 to
# 30.3, not 3e+07), utilisation as %; everything else as it is (counts from 10,000 with
# thousands separators: units.gp)
ismoney(m) = strstrt(m, "cost_per") > 0
scale(m) = ismoney(m) ? 1e6 : m eq "avg_utilisation" ? 0.01 : 1
# the target as the axis shows it
tgt(m, v) = ismoney(m) ? sprintf("£%gm", v / 1e6) : m eq "avg_utilisation" ? sprintf("%g%%", 100 * v) : abs(v) >= 10000 ? cnum(v) : sprintf("%g", v)
# the span of columns c1..c2 of the chart's rows, divided by SC, into CLO and CHI
SPAN = 'undefine STATS_*; stats D skip 1 using (sel(0) ? column(SC1) / SC : NaN) nooutput; CLO = exists("STATS_records") && STATS_records > 0 ? STATS_min : 0; CHI = CLO; undefine STATS_*; stats D skip 1 using (sel(0) ? column(SC2) / SC : NaN) nooutput; if (exists("STATS_records") && STATS_records > 0) { CHI = STATS_max }'


sel(d) = strcol(2) eq M && strcol(3) eq S
# the bands and the mean of one path's chart (a macro: defined before the loop, as
# macros in a block are expanded when the block is read)
BANDS = 'D skip 1 using 1:(sel(0) ? column(7) / SC : NaN):(sel(0) ? column(8) / SC : NaN) with filledcurves fc rgb FANCOL fs transparent solid 0.15 title "5th-95th percentile of replications", D skip 1 using 1:(sel(0) ? column(5) / SC : NaN):(sel(0) ? column(6) / SC : NaN) with filledcurves fc rgb FANCOL fs transparent solid 0.40 title "95% interval of the mean", D skip 1 using 1:(sel(0) ? column(4) / SC : NaN) with linespoints lw 2.2 pt 7 ps 0.7 lc rgb FANCOL title "mean"'

do for [FMT in FORMATS] {
    do for [j = 1:NJ] {
        M = word(JOBS, 4 * j - 3)
        S = word(JOBS, 4 * j - 2)
        F = word(JOBS, 4 * j - 1)
        IST = int(word(JOBS, 4 * j)) && HAS_TARGET
        FW = _nth(FWLINE, j)
        FW = strlen(FW) > 0 ? FW : M . " of " . S
        SC = scale(M)
        reset
        eval COMMON
        eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
        set output OUTDIR . "/" . F . "." . FMT
        if (!TWO) {
            # the key in its own strip under the axis title, not over it (key below
            # is laid out for the whole image, the footer strip apart: they collided)
            set bmargin 7
            set key at screen 0.5, screen FH + 4.0 / H center bottom horizontal
            set xlabel PW1 . (PW1 eq PATH1 ? "" : " (" . PATH1 . ")")
            set ylabel ylab(M)
            set title TITLE . "\n" . FW . " against " . PW1 . "\n" . \
                "Line: mean over replications; dark band: its 95% interval; light band: 5th to 95th percentile of replications" font ",11"
            set xrange [*:*] noextend
            set yrange [*:*] noextend
            set offsets graph 0.03, graph 0.03, graph 0.06, graph 0.02
            SC1 = 7; SC2 = 8; SCTMP = SC
            eval SPAN
            if (IST) { CLO = min(CLO, TX / SC); CHI = max(CHI, TX / SC) }
            eval COMMAS_Y
            SC = 1; SC1 = 1; SC2 = 1
            eval SPAN
            eval COMMAS_X
            XLO = CLO; XHI = CHI
            SC = SCTMP
            if (ismoney(M)) { set format y "£%gm" }
            if (M eq "avg_utilisation") { set format y "%g%%" }
            if (IST) {
                set arrow 1 from graph 0, first TX / SC to graph 1, first TX / SC nohead dt (8, 4) lw 1.6 lc rgb TGTCOL
                set label 1 "target " . TOP . " " . tgt(M, TX) at graph 0.01, first TX / SC offset 0, char 0.6 font ",10" tc rgb TGTCOL
                set y2range [0:100]
                set y2tics 0, 20, 100 nomirror textcolor rgb "#666666"
                set y2label "% of replications meeting the target" tc rgb "#666666"
            }
            # the answer on every chart, so what it costs or leaves waiting reads off
            if (HAS_TARGET && strlen(ANSWER) > 0) {
                AX = real(ANSWER)
                set arrow 2 from first AX, graph 0 to first AX, graph 1 nohead lw 1.6 lc rgb "#222222"
                # on the side of the line with room, so it is never cut at the edge
                if (AX > (XLO + XHI) / 2) {
                    set label 2 "answer: " . ANSWER at first AX, graph 0.96 right offset char -0.6, 0 font ",10" tc rgb "#222222"
                } else {
                    set label 2 "answer: " . ANSWER at first AX, graph 0.96 left offset char 0.6, 0 font ",10" tc rgb "#222222"
                }
            }
            # (a y2 curve in a `for` that runs no times still wants a y2 range: two commands)
            if (IST) {
                plot @BANDS, \
                     D skip 1 using 1:(sel(0) ? 100 * column(10) : NaN) axes x1y2 \
                        with linespoints dt 3 lw 1.2 pt 6 ps 0.8 lc rgb "#666666" title "% of replications meeting the target"
            } else {
                plot @BANDS
            }
        } else {
            set bmargin 7   # the key in its own strip, as for one path
            set key at screen 0.5, screen FH + 4.0 / H center bottom horizontal
            set xlabel PW1 . (PW1 eq PATH1 ? "" : " (" . PATH1 . ")")
            set ylabel PW2 . (PW2 eq PATH2 ? "" : " (" . PATH2 . ")")
            set cblabel ylab(M)
            set palette defined (0 "#f7fbff", 0.35 "#9ecae1", 0.7 "#3182bd", 1 "#08306b")
            set title TITLE . "\n" . FW . ", mean over replications\n" . \
                "against " . PW1 . " and " . PW2 . (IST ? "\ncircles: target " . TOP . " " . tgt(M, TX) . " met in 90% of replications" : "")
            set xrange [*:*] noextend
            set yrange [*:*] noextend
            SCTMP = SC; SC = 1
            SC1 = 1; SC2 = 1; eval SPAN; eval COMMAS_X
            SC1 = 9; SC2 = 9; eval SPAN; eval COMMAS_Y
            SC = SCTMP
            SC1 = 4; SC2 = 4; eval SPAN; eval COMMAS_CB
            if (ismoney(M)) { set format cb "£%gm" }
            if (M eq "avg_utilisation") { set format cb "%g%%" }
            HAS_ANS = IST && strlen(ANSWER) > 0
            plot D skip 1 using (sel(0) ? column(1) : NaN):9:(STEP1 / 2):(STEP2 / 2):(column(4) / SC) \
                    with boxxyerror fs solid 1.0 noborder fc palette title "", \
                 for [k = 1:IST] D skip 1 using (sel(0) && column(10) >= 0.9 ? column(1) : NaN):9 \
                    with points pt 6 ps 1.2 lc rgb TGTCOL title "target met", \
                 for [k = 1:HAS_ANS] A skip 1 using 2:12 with linespoints lw 2.2 pt 7 ps 0.8 lc rgb "#000000" \
                    title "answer: " . (TOP eq "<=" ? "smallest " : "largest ") . PW1 . " meeting the target"
        }
        unset output
    }
}
