# compare.gp: draws the plots of a careflow comparison (`careflow compare`) from the
# CSVs it wrote.
#
#   gnuplot -d -c plots/compare.gp DATADIR OUTDIR TITLE NAMES TITLES ALTS BASE STEP OPTIONS
#
#   DATADIR  folder holding compare_timeseries.csv (and compare.csv)
#   OUTDIR   existing folder the images are written into
#   TITLE    the base scenario's title, starts every plot title; then a tab and the
#            footer line (footer.gp)
#   NAMES    the base's stage names in scenario order, as in compare_timeseries.csv,
#            separated by tabs
#   TITLES   their titles, same order, separated by tabs
#   ALTS     the alternatives' names, as in the `alt` columns, separated by tabs
#   BASE     the base scenario's name
#   STEP     the report step as a noun: "month", "day", "14 days"
#   OPTIONS  words: png and/or svg (formats drawn), costs (compare.csv has
#            component_cost_per_year rows)
#
# Lists are tab-separated so that names and titles may hold spaces and quotes: the
# values arrive as ARG1..ARG9 strings and are never parsed as gnuplot commands.
# Writes, for each alternative ALT, diff-ALT-STAGE for each stage and `all` (the
# difference in children open, alternative minus base, over time: mean with the
# middle 50% and 90% of paired runs) and diffs-ALT (all of them in one grid); and, with
# costs, costs (cost per year by component, base against each alternative). A "/" in
# a name becomes "_" in a file name. Any gnuplot error ends the script with a non-zero
# exit status.

if (ARGC < 9) {
    print "usage: gnuplot -c compare.gp DATADIR OUTDIR TITLE NAMES TITLES ALTS BASE STEP OPTIONS"
    exit status 2
}

# ---- small string tools (as in careflow.gp; gnuplot 5.4 has no split) ---------------
set encoding utf8
TAB = "\t"
_head(l, p) = p == 0 ? l : l[1:p-1]
_tail(l, p) = p == 0 ? "" : l[p+1:]
head(l) = _head(l, strstrt(l, TAB))
tail(l) = _tail(l, strstrt(l, TAB))
item(l, n) = n <= 1 ? head(l) : item(tail(l), n - 1)
count(l) = strlen(l) == 0 ? 0 : 1 + count(tail(l))
_fname(s, p) = p == 0 ? s : s[1:p-1] . "_" . _fname(s[p+1:], strstrt(s[p+1:], "/"))
fname(s) = _fname(s, strstrt(s, "/"))
# 6553 -> "6,553"; small or fractional values keep 3 significant digits
_commas(n) = n < 1000 ? sprintf("%d", n) : _commas(int(n / 1000)) . sprintf(",%03d", int(n) % 1000)
num(v) = v != v ? "" : abs(v) < 100 ? sprintf("%.3g", v) : (v < 0 ? "-" : "") . _commas(int(abs(v) + 0.5))
# a signed difference: "+12", "-3.5", "0"
snum(v) = v != v ? "" : (v > 0 ? "+" : "") . num(v)
# money: "£113.9m", "£1.81m", "£37k", "£512"; signed for differences
_money(v) = v >= 1e7 ? sprintf("£%.1fm", v / 1e6) : v >= 1e6 ? sprintf("£%.2fm", v / 1e6) : v >= 1e3 ? sprintf("£%.0fk", v / 1e3) : sprintf("£%.0f", v)
money(v) = v != v ? "" : (v < 0 ? "-" : "") . _money(abs(v))
smoney(v) = v != v ? "" : v == 0 ? "no change" : (v > 0 ? "+" : "-") . _money(abs(v))
max(a, b) = a > b ? a : b

# ---- the arguments ------------------------------------------------------------------
DATADIR = ARG1
OUTDIR = ARG2
TITLE = ARG3
NAMES = ARG4
TITLES = ARG5
ALTS = ARG6
BASE = ARG7
STEP = ARG8
CTS = DATADIR . "/compare_timeseries.csv"
CMP = DATADIR . "/compare.csv"

NST = count(NAMES)
name(i) = item(NAMES, i)
stitle(i) = item(TITLES, i)
NALT = count(ALTS)
alt(a) = item(ALTS, a)
FORMATS = ""
do for [w in ARG9] { if (w eq "png" || w eq "svg") { FORMATS = FORMATS . " " . w } }
HAVECOSTS = strstrt(" " . ARG9 . " ", " costs ") > 0
ALLTITLE = "All open cases"
ATSTEP = STEP eq "month" ? "at each month end" : "every " . STEP

# ---- look (as careflow.gp) ------------------------------------------------------------
# One colour per stage, by its place in the scenario (Okabe-Ito, then darker extras);
# `all` is slate. In the cost chart the base is grey and the alternatives take the
# stage colours in turn.
PALETTE = "#0072B2 #D55E00 #009E73 #CC79A7 #E69F00 #56B4E9 #882255 #117733 #332288 #996633"
col(i) = word(PALETTE, (i - 1) % 10 + 1)
ALLCOL = "#34495E"
BASECOL = "#95A5A6"
ZEROCOL = "#222222"

TERM_PNG = 'set terminal pngcairo size W, H font "sans-serif,11" noenhanced linewidth 1.2 background "#ffffff"'
TERM_SVG = 'set terminal svg size W, H dynamic font "sans-serif,11" noenhanced linewidth 1.2 background "#ffffff"'
load ARG0[1:strlen(ARG0) - strlen("compare.gp")] . "footer.gp"   # the footer line (TITLE, TERM_*)
COMMON = 'set datafile separator comma; set grid xtics ytics lt 1 lc rgb "#dddddd" lw 1; set border 3 lc rgb "#444444"; set tics nomirror out scale 0.5 textcolor rgb "#222222"; set key noautotitle; set title font ",13"; set xdata time; set timefmt "%Y-%m-%d"; set format x "%b %Y"; set offsets 0, 0, graph 0.06, graph 0.06; set key below horizontal center Left reverse samplen 2.5 width 2 font ",10"'

# Dates: ticks at month ends, March-aligned, at most MAXT of them between T0 and T1.
monthof(t) = int(tm_year(t)) * 12 + int(tm_mon(t))
monthend(m) = strptime("%Y-%m-%d", sprintf("%04d-%02d-01", int((m + 1) / 12), (m + 1) % 12 + 1)) - 86400
tickstep(nm, k) = nm <= k ? 1 : nm <= 2*k ? 2 : nm <= 3*k ? 3 : nm <= 6*k ? 6 : nm <= 12*k ? 12 : nm <= 24*k ? 24 : 60
SETDATES = 'set xrange [T0 : T1]; M0 = monthof(T0); M1 = monthof(T1) + 1; MS = tickstep(M1 - M0, MAXT); set xtics (); do for [m = M0:M1] { if ((m - 2) % MS == 0 && monthend(m) >= T0 && monthend(m) <= T1) { set xtics add (strftime("%b %Y", monthend(m)) monthend(m)) } }'

# The time span, from compare_timeseries.csv (a missing or empty file ends the script).
set datafile separator comma
stats CTS skip 1 using (timecolumn(2, "%Y-%m-%d")) nooutput
TS0 = STATS_min
TS1 = STATS_max
if (TS1 <= TS0) { TS1 = TS0 + 86400 }
TSPAD = (TS1 - TS0) * 0.015

# ---- one difference panel -------------------------------------------------------------
# PANEL draws it. In: A (alternative), S (stage name or "all"), C (colour), PT
# (title), KEYS (1: draw the key), YL (y label). NOTE_STATS sets NROWS (rows for A and
# S), LASTT, LASTB and LASTA (the last report's time and the base's and alternative's
# mean stocks then), for the note under a single plot.
sel(dummy) = strcol(3) eq S && strcol(4) eq "stock" && strcol(5) eq A
# stats does not run in time mode: called right after `reset`
ATLAST(c) = (sel(0) && timecolumn(2, "%Y-%m-%d") == LASTT) ? column(c) : NaN
NOTE_STATS = 'undefine STATS_*; stats CTS skip 1 using (sel(0) ? timecolumn(2, "%Y-%m-%d") : NaN) nooutput; NROWS = exists("STATS_records") ? STATS_records : 0; if (NROWS > 0) { LASTT = STATS_max; stats CTS skip 1 using (ATLAST(6)) nooutput; LASTB = STATS_max; stats CTS skip 1 using (ATLAST(7)) nooutput; LASTA = STATS_max }'
PANEL = 'set title PT; set ylabel YL; set yrange [*<0 : 0<*]; if (!KEYS) { unset key }; \
  plot CTS skip 1 using 2:(sel(0) ? column(9) : NaN):(sel(0) ? column(13) : NaN) with filledcurves fc rgb C fs transparent solid 0.18 title "90% of runs", \
       CTS skip 1 using 2:(sel(0) ? column(10) : NaN):(sel(0) ? column(12) : NaN) with filledcurves fc rgb C fs transparent solid 0.35 title "50% of runs", \
       0 with lines lw 1.3 dt (12, 7) lc rgb ZEROCOL title "no difference", \
       CTS skip 1 using 2:(sel(0) ? column(8) : NaN) with lines lw 2.2 lc rgb C title "mean difference"'

do for [FMT in FORMATS] {
    do for [a = 1:NALT] {
        A = alt(a)
        # one file per stage, then `all`
        do for [i = 1:NST + 1] {
            reset
            set datafile separator comma
            S = i <= NST ? name(i) : "all"
            eval NOTE_STATS
            if (NROWS > 0) {
                eval COMMON
                T0 = TS0 - TSPAD; T1 = TS1 + TSPAD; MAXT = 9
                eval SETDATES
                W = 1000; H = 640
                eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
                C = i <= NST ? col(i) : ALLCOL
                ST = i <= NST ? stitle(i) : ALLTITLE
                set output OUTDIR . "/diff-" . fname(A) . "-" . fname(S) . "." . FMT
                PT = TITLE . "\n" . ST . ": change in children open " . ATSTEP . "\n" . A . " against " . BASE . " (base)"
                YL = "difference in children open"
                KEYS = 1
                set bmargin 7
                set key at screen 0.5, screen FY(0.085) center center horizontal maxrows 1
                set label 1 sprintf("On %s, mean of paired runs: %s children open with %s, %s with %s (%s)", \
                    strftime("%d %b %Y", LASTT), num(LASTB), BASE, num(LASTA), A, snum(LASTA - LASTB)) \
                    at screen 0.5, screen FY(0.025) center font ",10" tc rgb "#444444"
                eval PANEL
                unset output
            }
        }

        # the overview: every stage, then `all`, in a grid
        reset
        set datafile separator comma
        eval COMMON
        N = NST + 1
        COLS = N <= 1 ? 1 : N <= 4 ? 2 : N <= 9 ? 3 : 4
        ROWS = int((N + COLS - 1) / COLS)
        T0 = TS0 - TSPAD; T1 = TS1 + TSPAD; MAXT = COLS >= 3 ? 4 : 5
        eval SETDATES
        W = 1200; H = 110 + 320 * ROWS
        eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
        set output OUTDIR . "/diffs-" . fname(A) . "." . FMT
        set multiplot layout ROWS, COLS title TITLE . "\n" . A . " minus " . BASE . ": change in children open " . ATSTEP . ", by stage\n" . \
            "Line: mean difference; shading: middle 50% and 90% of paired runs; dashed: no difference" font ",13" @FOOT_LAYOUT
        KEYS = 0
        YL = "children (difference)"
        do for [i = 1:N] {
            S = i <= NST ? name(i) : "all"
            C = i <= NST ? col(i) : ALLCOL
            PT = i <= NST ? stitle(i) : ALLTITLE
            eval PANEL
            unset label FOOT_TAG
        }
        unset multiplot
        unset output
    }

    # ---- cost per year by component, base against each alternative ------------------
    if (HAVECOSTS) {
        reset
        set datafile separator comma
        # the bars, in this order, where compare.csv has them: metric, stage, label.
        # When the base has no strand costs compare.csv has no strand component row;
        # strand_cost_per_year (0 for such a base) stands in for it. Total is
        # cost_per_year of `all`.
        CANDM = "component_cost_per_year component_cost_per_year component_cost_per_year strand_cost_per_year cost_per_year"
        CANDS = "pool placement strand all all"
        CANDL = "Workforce (pools)\tPlacements\tInnovation strands\tInnovation strands\tTotal"
        CM = ""; CS = ""; CL = ""; NC = 0
        HASSTRAND = 0
        TOP = 0
        do for [c = 1:5] {
            M = word(CANDM, c); G = word(CANDS, c)
            if (!(M eq "strand_cost_per_year" && HASSTRAND)) {
                undefine STATS_*
                stats CMP skip 1 using ((strcol(1) eq M && strcol(2) eq G) ? max(column(3), column(4)) : NaN) nooutput
                # (the stand-in only when some scenario has strand costs)
                if (exists("STATS_records") && STATS_records > 0 && (M ne "strand_cost_per_year" || STATS_max > 0)) {
                    NC = NC + 1
                    CM = CM . " " . M; CS = CS . " " . G
                    CL = CL . (NC > 1 ? TAB : "") . item(CANDL, c)
                    TOP = max(TOP, STATS_max)
                    if (G eq "strand") { HASSTRAND = 1 }
                }
            }
        }
        if (NC > 0) {
            SCALE = TOP >= 1e6 ? 1e6 : 1e3
            UNIT = TOP >= 1e6 ? "£ millions" : "£ thousands"
            isbar(k, d) = strcol(1) eq word(CM, k) && strcol(2) eq word(CS, k)
            kof(d) = sum [kk = 1:NC] (isbar(kk, d) ? kk : 0)
            NS = NALT + 1
            BW = 0.8 / NS
            xpos(k, j) = k - 0.4 + BW * (j - 0.5)
            isalt(a) = strcol(11) eq alt(a)
            # the base's means are the same on every alternative's rows: take the first's
            baseval(d) = (kof(d) > 0 && isalt(1)) ? column(3) : NaN
            altval(a) = (kof(0) > 0 && isalt(a)) ? column(4) : NaN

            set datafile separator comma
            set grid ytics lt 1 lc rgb "#dddddd" lw 1
            set border 3 lc rgb "#444444"
            set tics nomirror out scale 0.5 textcolor rgb "#222222"
            set xtics scale 0 ()
            do for [k = 1:NC] { set xtics add (item(CL, k) k) }
            set xrange [0.5 : NC + 0.5]
            set yrange [0 : TOP / SCALE * 1.15]
            set ylabel "cost per year (" . UNIT . ")"
            set format y (SCALE == 1e6 ? "£%.0fm" : "£%.0fk")
            if (TOP / SCALE < 10) { set format y (SCALE == 1e6 ? "£%.1fm" : "£%.1fk") }
            set boxwidth BW * 0.92 absolute
            set style fill solid 0.9 noborder
            set key noautotitle
            set key below horizontal center Left reverse samplen 2.5 width 2 font ",10"
            set title font ",13"
            W = 1000; H = 640
            eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
            set output OUTDIR . "/costs." . FMT
            set title TITLE . "\nCost per year by component: " . BASE . " (base) against " . \
                (NALT == 1 ? alt(1) : "each alternative") . "\nMean of paired runs; under each alternative's cost, its difference from the base"
            LBL = NS <= 4 ? ",9" : ",7"
            plot CMP skip 1 using (xpos(kof(0), 1)):(baseval(0) / SCALE) with boxes fc rgb BASECOL title BASE . " (base)", \
                 for [a = 1:NALT] CMP skip 1 using (xpos(kof(0), a + 1)):(altval(a) / SCALE) with boxes fc rgb col(a) title alt(a), \
                 CMP skip 1 using (xpos(kof(0), 1)):(baseval(0) / SCALE):(money(baseval(0))) \
                    with labels center offset char 0, 0.7 font LBL tc rgb "#222222" notitle, \
                 for [a = 1:NALT] CMP skip 1 using (xpos(kof(0), a + 1)):(altval(a) / SCALE):(money(altval(a)) . "\n" . smoney(column(5))) \
                    with labels center offset char 0, 1.2 font LBL tc rgb "#222222" notitle
            unset output
        }
    }
}
