# backtest.gp: draws the fan charts of a careflow backtest (`careflow backtest`) from
# the CSVs it wrote.
#
#   gnuplot -d -c plots/backtest.gp DATADIR OUTDIR TITLE STAGES JOBS FORMATS
#
#   DATADIR  folder holding backtest.csv and actual.csv
#   OUTDIR   existing folder the images are written into
#   TITLE    the prefix of the scenarios' names: each cutoff's scenario, estimated
#            from the records as on it, is TITLE-CUTOFF ("backtest-2023-03-31"), which
#            starts the chart's title; then a tab and the footer line (footer.gp)
#   STAGES   the stage names as in the CSVs, separated by tabs
#   JOBS     six words per chart, separated by spaces: CUTOFF (YYYY-MM-DD), the stage's
#            number in STAGES (from 1), the image's base name, the first and last date
#            of the x axis (YYYY-MM-DD), and 1 if actual.csv has stock points between
#            them (else 0: no actual line is drawn)
#   FORMATS  words: png and/or svg
#
# One chart per job: the careflow forecast of the stage's month-end stock from the
# cutoff (shading: p05-p95 and p25-p75 over replications; line: median) with the
# actual month-end stock from the records over it (its points from the first to the last
# date of the x axis only), and a dashed line at the cutoff.
# Lists come in as ARG strings and are never parsed as gnuplot commands. Any gnuplot
# error ends the script with a non-zero exit status.

if (ARGC < 6) {
    print "usage: gnuplot -c backtest.gp DATADIR OUTDIR TITLE STAGES JOBS FORMATS"
    exit status 2
}

set encoding utf8
TAB = "\t"
_head(l, p) = p == 0 ? l : l[1:p-1]
_tail(l, p) = p == 0 ? "" : l[p+1:]
head(l) = _head(l, strstrt(l, TAB))
tail(l) = _tail(l, strstrt(l, TAB))
item(l, n) = n <= 1 ? head(l) : item(tail(l), n - 1)

_lastslash(s, p) = p == 0 ? 0 : p + _lastslash(s[p+1:], strstrt(s[p+1:], "/"))
SCRIPTS = ARG0[1:_lastslash(ARG0, strstrt(ARG0, "/"))]
DATADIR = ARG1
OUTDIR = ARG2
TITLE = ARG3
STAGES = ARG4
JOBS = ARG5
BT = DATADIR . "/backtest.csv"
ACT = DATADIR . "/actual.csv"
NJ = int(words(JOBS) / 6)
FORMATS = ""
do for [w in ARG6] { if (w eq "png" || w eq "svg") { FORMATS = FORMATS . " " . w } }

# ---- look (as careflow.gp) ------------------------------------------------------------
FANCOL = "#0072B2"
ACTCOL = "#D55E00"
W = 1000; H = 640
TERM_PNG = 'set terminal pngcairo size W, H font "sans-serif,11" noenhanced linewidth 1.2 background "#ffffff"'
TERM_SVG = 'set terminal svg size W, H dynamic font "sans-serif,11" noenhanced linewidth 1.2 background "#ffffff"'
load SCRIPTS . "footer.gp"    # TITLE's footer on every plot (TERM_* draw it)
load SCRIPTS . "units.gp"     # thousands separators on axes of counts
max(a, b) = a > b ? a : b
min(a, b) = a < b ? a : b
COMMON = 'set datafile separator comma; set grid xtics ytics lt 1 lc rgb "#dddddd" lw 1; set border 3 lc rgb "#444444"; set tics nomirror out scale 0.5 textcolor rgb "#222222"; set key noautotitle; set title font ",13"; set xdata time; set timefmt "%Y-%m-%d"; set format x "%b %Y"; set xtics rotate by -30; set key below horizontal center Left reverse samplen 2.5 width 2 font ",10"'

# the stages the records name, by their titles (as report.html's captions)
stitle(s) = s eq "referral" ? "Referral" : s eq "early_help" ? "Early help" : \
            s eq "assessment" ? "Assessment" : s eq "cin" ? "Child in Need plan" : \
            s eq "cp" ? "Child Protection plan" : s eq "care" ? "Looked after (in care)" : s

# rows of this chart: backtest.csv by cutoff, stage and metric; actual.csv by stage
sel(d) = strcol(1) eq CUT && strcol(4) eq S && strcol(5) eq "stock"
# (only the months the chart spans: a line to a point beyond them would run off its edge)
asel(d) = strcol(2) eq S && strcol(3) eq "stock" && timecolumn(1, "%Y-%m-%d") >= T0 && \
    timecolumn(1, "%Y-%m-%d") <= T1

do for [FMT in FORMATS] {
    do for [j = 1:NJ] {
        CUT = word(JOBS, 6 * j - 5)
        S = item(STAGES, int(word(JOBS, 6 * j - 4)))
        F = word(JOBS, 6 * j - 3)
        T0 = strptime("%Y-%m-%d", word(JOBS, 6 * j - 2))
        T1 = strptime("%Y-%m-%d", word(JOBS, 6 * j - 1))
        HASACT = int(word(JOBS, 6 * j))
        TC = strptime("%Y-%m-%d", CUT)
        reset
        # the y axis's span (the bands and the actual points), for units.gp
        set datafile separator comma
        undefine STATS_*
        stats BT skip 1 using (sel(0) ? column(8) : NaN) nooutput
        CLO = exists("STATS_records") && STATS_records > 0 ? STATS_min : 0
        undefine STATS_*
        stats BT skip 1 using (sel(0) ? column(12) : NaN) nooutput
        CHI = exists("STATS_records") && STATS_records > 0 ? STATS_max : 0
        if (HASACT) {
            undefine STATS_*
            stats ACT skip 1 using (asel(0) ? column(4) : NaN) nooutput
            if (exists("STATS_records") && STATS_records > 0) { CLO = min(CLO, STATS_min); CHI = max(CHI, STATS_max) }
        }
        eval COMMON
        eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
        set output OUTDIR . "/" . F . "." . FMT
        if (T1 <= T0) { T1 = T0 + 86400 }
        set xrange [T0 - 86400 * 5 : T1 + 86400 * 5]
        set rmargin 7
        set yrange [0<*:*]
        set ylabel "children open at month end"
        eval COMMAS_Y
        set title "Cutoff " . CUT . ": the scenario estimated from the records as on that date (" . TITLE . "-" . CUT . ")\n" . \
            stitle(S) . ": its forecast against what happened\n" . \
            "Shading: middle 50% and 90% of simulated runs; line: median; points: the records"
        set arrow 1 from TC, graph 0 to TC, graph 1 nohead dt (6, 4) lc rgb "#444444"
        set label 1 "cutoff" at TC, graph 0.97 right offset char -0.5, 0 font ",10" tc rgb "#444444"
        plot BT skip 1 using 2:(sel(0) ? column(8) : NaN):(sel(0) ? column(12) : NaN) \
                with filledcurves fc rgb FANCOL fs transparent solid 0.18 title "90% of runs", \
             BT skip 1 using 2:(sel(0) ? column(9) : NaN):(sel(0) ? column(11) : NaN) \
                with filledcurves fc rgb FANCOL fs transparent solid 0.35 title "50% of runs", \
             BT skip 1 using 2:(sel(0) ? column(10) : NaN) with lines lw 2.2 lc rgb FANCOL title "median forecast", \
             for [k = 1:HASACT] ACT skip 1 using 1:(asel(0) ? column(4) : NaN) \
                with linespoints lw 1.6 pt 7 ps 0.8 lc rgb ACTCOL title "actual (records)"
        unset output
    }
}
