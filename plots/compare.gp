# compare.gp: draws the plots of a careflow comparison (`careflow compare`) from the
# CSVs it wrote.
#
#   gnuplot -d -c plots/compare.gp DATADIR OUTDIR TITLE NAMES TITLES ALTS BASE STEP OPTIONS
#
#   DATADIR  folder holding compare_timeseries.csv (and compare.csv)
#   OUTDIR   existing folder the images are written into
#   TITLE    the base scenario's title (not drawn: every title names the scenarios it
#            shows, "ALT minus BASE", instead); then a tab and the footer line
#            (footer.gp)
#   NAMES    the base's stage names in scenario order, as in compare_timeseries.csv,
#            separated by tabs
#   TITLES   their titles, same order, separated by tabs
#   ALTS     the alternatives' names, as in the `alt` columns, separated by tabs
#   BASE     the base scenario's name
#   STEP     the report step as a noun: "month", "day", "14 days"
#   OPTIONS  words: png and/or svg (formats drawn), costs (compare.csv has
#            component_cost_per_year rows), waiting:STAGE for each stage of the waiting
#            chart (stages served by a pool, in scenario order), pool:POOL for each
#            pool of the caseload chart (compare_timeseries.csv has its
#            caseload_per_worker and utilisation rows)
#
# Lists are tab-separated so that names and titles may hold spaces and quotes: the
# values arrive as ARG1..ARG9 strings and are never parsed as gnuplot commands.
# Writes, for each alternative ALT, diff-ALT-STAGE for each stage and `all` (the
# difference in children open, alternative minus base, over time: mean with the
# middle 50% and 90% of paired runs) and diffs-ALT (all of them in one grid); with
# waiting stages, waiting-ALT (one panel per stage: the base's and the alternative's
# mean waiting lists over time, shaded by the base's mean plus the middle 90% of the
# paired differences); with pools, caseloads-ALT (one panel per pool: the base's and
# the alternative's mean caseload per worker over time with each one's cap, the
# pool's caseload_cap, found as caseload_per_worker / utilisation, which is what the
# rows are); and, with costs, costs (per cost component, each alternative minus the
# base, a bar from zero with the 95% paired interval). Numbers on axes and labels are
# grouped in thousands; money is in £k and £m. A "/" in a name becomes "_" in a file
# name. Any gnuplot error ends the script with a non-zero exit status.

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
# an axis's money: "£0", "+£500k", "-£1.50m"
tmoney(v) = v == 0 ? "£0" : smoney(v)
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
WAITS = ""
POOLS = ""
do for [w in ARG9] {
    if (strlen(w) > 8 && w[1:8] eq "waiting:") { WAITS = WAITS . (strlen(WAITS) ? TAB : "") . w[9:] }
    if (strlen(w) > 5 && w[1:5] eq "pool:") { POOLS = POOLS . (strlen(POOLS) ? TAB : "") . w[6:] }
}
NW = count(WAITS)
NP = count(POOLS)
# a stage's place in NAMES (0: not a stage of the base)
_sidx(l, s, i) = strlen(l) == 0 ? 0 : head(l) eq s ? i : _sidx(tail(l), s, i + 1)
sidx(s) = _sidx(NAMES, s, 1)
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
BASELINE = "#555555"
CAPCOL = "#C0392B"

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

# ---- the y axis ----------------------------------------------------------------------
# SETY: the y range from YLO and YHI (widened to hold 0), with about five tics at a
# round step labelled by YLAB (num: thousands grouped; tmoney: £k, £m).
YLAB(v) = num(v)
SETY = 'YLO = YLO > 0 ? 0 : YLO; YHI = YHI < 0 ? 0 : YHI; if (YHI - YLO < 1e-9) { YHI = YLO + 1 }; YP = (YHI - YLO) * 0.08; YR = (YHI - YLO + 2 * YP) / 5; YM = 10 ** floor(log10(YR)); YN = YR / YM; YSTEP = (YN < 1.5 ? 1 : YN < 3 ? 2 : YN < 7 ? 5 : 10) * YM; set yrange [YLO - YP : YHI + YP]; set ytics (); do for [yi = int(ceil((YLO - YP) / YSTEP)) : int(floor((YHI + YP) / YSTEP))] { set ytics add (YLAB(yi * YSTEP) yi * YSTEP) }'
# RANGE: YLO and YHI of columns C1 and C2 of the rows sel() picks (no time mode: call
# before COMMON); 0 and 1 when there are none.
RANGE = 'undefine STATS_*; stats CTS skip 1 using (sel(0) ? column(C1) : NaN) nooutput; YLO = exists("STATS_min") ? STATS_min : 0; undefine STATS_*; stats CTS skip 1 using (sel(0) ? column(C2) : NaN) nooutput; YHI = exists("STATS_max") ? STATS_max : 1'

# ---- one difference panel -------------------------------------------------------------
# PANEL draws it. In: A (alternative), S (stage name or "all"), C (colour), PT
# (title), KEYS (1: draw the key), YL (y label). NOTE_STATS sets NROWS (rows for A and
# S), LASTT, LASTB and LASTA (the last report's time and the base's and alternative's
# mean stocks then), for the note under a single plot.
MET = "stock"
sel(dummy) = strcol(3) eq S && strcol(4) eq MET && strcol(5) eq A
# stats does not run in time mode: called right after `reset`
ATLAST(c) = (sel(0) && timecolumn(2, "%Y-%m-%d") == LASTT) ? column(c) : NaN
NOTE_STATS = 'undefine STATS_*; stats CTS skip 1 using (sel(0) ? timecolumn(2, "%Y-%m-%d") : NaN) nooutput; NROWS = exists("STATS_records") ? STATS_records : 0; if (NROWS > 0) { LASTT = STATS_max; stats CTS skip 1 using (ATLAST(6)) nooutput; LASTB = STATS_max; stats CTS skip 1 using (ATLAST(7)) nooutput; LASTA = STATS_max }'
PANEL = 'set title PT; set ylabel YL; if (!KEYS) { unset key }; \
  plot CTS skip 1 using 2:(sel(0) ? column(9) : NaN):(sel(0) ? column(13) : NaN) with filledcurves fc rgb C fs transparent solid 0.18 title "90% of runs", \
       CTS skip 1 using 2:(sel(0) ? column(10) : NaN):(sel(0) ? column(12) : NaN) with filledcurves fc rgb C fs transparent solid 0.35 title "50% of runs", \
       0 with lines lw 1.3 dt (12, 7) lc rgb ZEROCOL title "no difference", \
       CTS skip 1 using 2:(sel(0) ? column(8) : NaN) with lines lw 2.2 lc rgb C title "mean difference"'

# ---- one waiting-list panel: the base's and the alternative's mean waiting list --------
WPANEL = 'set title PT; set ylabel "children waiting"; unset key; \
  plot CTS skip 1 using 2:(sel(0) ? max(0, column(6) + column(9)) : NaN):(sel(0) ? max(0, column(6) + column(13)) : NaN) with filledcurves fc rgb C fs transparent solid 0.18 notitle, \
       CTS skip 1 using 2:(sel(0) ? column(6) : NaN) with lines lw 1.8 dt (6, 4) lc rgb BASELINE notitle, \
       CTS skip 1 using 2:(sel(0) ? column(7) : NaN) with lines lw 2.2 lc rgb C notitle'

# ---- one caseload panel: caseload per worker, base and alternative, with the caps ------
CPANEL = 'set title PT; set ylabel "cases per available worker"; unset key; \
  plot CTS skip 1 using 2:(sel(0) ? column(6) : NaN) with lines lw 1.8 dt (6, 4) lc rgb BASELINE notitle, \
       CTS skip 1 using 2:(sel(0) ? column(7) : NaN) with lines lw 2.2 lc rgb C notitle, \
       (CAPB == CAPB ? CAPB : NaN) with lines lw 1.4 dt (2, 3) lc rgb CAPCOL notitle, \
       ((CAPA == CAPA && CAPA != CAPB) ? CAPA : NaN) with lines lw 1.4 dt (8, 3) lc rgb CAPCOL notitle'
# CAPS: the caps of pool S for A, CAPB and CAPA (NaN when unknown): the sums of
# caseload_per_worker over the sums of utilisation (call before COMMON)
CAPSUM(c) = 'undefine STATS_*; MET = "caseload_per_worker"; stats CTS skip 1 using (sel(0) ? column(' . c . ') : NaN) nooutput; CS1 = exists("STATS_sum") ? STATS_sum : NaN; undefine STATS_*; MET = "utilisation"; stats CTS skip 1 using (sel(0) ? column(' . c . ') : NaN) nooutput; CS2 = exists("STATS_sum") ? STATS_sum : NaN'
CAPS = 'eval CAPSUM(6); CAPB = CS2 > 0 ? CS1 / CS2 : NaN; eval CAPSUM(7); CAPA = CS2 > 0 ? CS1 / CS2 : NaN; MET = "caseload_per_worker"'
# the legend of a level chart, drawn as a line of text under the title
capword(v) = v == v ? sprintf("%.3g", v) : "?"

array YLA[64]
array YHA[64]
array CBA[64]
array CAA[64]

do for [FMT in FORMATS] {
    do for [a = 1:NALT] {
        A = alt(a)
        # one file per stage, then `all`
        do for [i = 1:NST + 1] {
            reset
            set datafile separator comma
            S = i <= NST ? name(i) : "all"
            MET = "stock"
            eval NOTE_STATS
            if (NROWS > 0) {
                C1 = 9; C2 = 13
                eval RANGE
                eval COMMON
                YLAB(v) = num(v)
                eval SETY
                T0 = TS0 - TSPAD; T1 = TS1 + TSPAD; MAXT = 9
                eval SETDATES
                W = 1000; H = 640
                eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
                C = i <= NST ? col(i) : ALLCOL
                ST = i <= NST ? stitle(i) : ALLTITLE
                set output OUTDIR . "/diff-" . fname(A) . "-" . fname(S) . "." . FMT
                PT = A . " minus " . BASE . " (base)\n" . ST . ": change in children open " . ATSTEP
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
        N = NST + 1
        MET = "stock"
        do for [i = 1:N] {
            S = i <= NST ? name(i) : "all"
            C1 = 9; C2 = 13
            eval RANGE
            YLA[i] = YLO; YHA[i] = YHI
        }
        eval COMMON
        COLS = N <= 1 ? 1 : N <= 4 ? 2 : N <= 9 ? 3 : 4
        ROWS = int((N + COLS - 1) / COLS)
        T0 = TS0 - TSPAD; T1 = TS1 + TSPAD; MAXT = COLS >= 3 ? 4 : 5
        eval SETDATES
        W = 1200; H = 110 + 320 * ROWS
        eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
        set output OUTDIR . "/diffs-" . fname(A) . "." . FMT
        set multiplot layout ROWS, COLS title A . " minus " . BASE . " (base): change in children open " . ATSTEP . ", by stage\n" . \
            "Line: mean difference; shading: middle 50% and 90% of paired runs; dashed: no difference" font ",13" @FOOT_LAYOUT
        KEYS = 0
        YL = "children (difference)"
        do for [i = 1:N] {
            S = i <= NST ? name(i) : "all"
            C = i <= NST ? col(i) : ALLCOL
            PT = i <= NST ? stitle(i) : ALLTITLE
            YLO = YLA[i]; YHI = YHA[i]
            eval SETY
            eval PANEL
            unset label FOOT_TAG
        }
        unset multiplot
        unset output

        # the waiting lists of the served stages: base and alternative
        if (NW > 0) {
            reset
            set datafile separator comma
            MET = "waiting"
            do for [i = 1:NW] {
                S = item(WAITS, i)
                C1 = 6; C2 = 6
                eval RANGE
                L0 = YLO; H0 = YHI
                C1 = 7; C2 = 7
                eval RANGE
                L1 = YLO; H1 = YHI
                undefine STATS_*
                stats CTS skip 1 using (sel(0) ? column(6) + column(13) : NaN) nooutput
                H2 = exists("STATS_max") ? STATS_max : H1
                YLA[i] = 0; YHA[i] = max(max(H0, H1), H2)
            }
            eval COMMON
            COLS = NW <= 1 ? 1 : NW <= 4 ? 2 : 3
            ROWS = int((NW + COLS - 1) / COLS)
            T0 = TS0 - TSPAD; T1 = TS1 + TSPAD; MAXT = COLS >= 3 ? 4 : COLS == 1 ? 9 : 5
            eval SETDATES
            W = COLS == 1 ? 1000 : 1200; H = 150 + (COLS == 1 ? 480 : 340) * ROWS
            eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
            set output OUTDIR . "/waiting-" . fname(A) . "." . FMT
            set multiplot layout ROWS, COLS title A . " against " . BASE . " (base): children waiting for a worker " . ATSTEP . "\n" . \
                "Solid: " . A . "; dashed grey: " . BASE . " (means of paired runs)\n" . \
                "Shading: the base's mean plus the middle 90% of paired differences" font ",12" offset 0, FH scale 1, 1 - FH * ROWS / (1 - FOOT_MPT)
            do for [i = 1:NW] {
                S = item(WAITS, i)
                k = sidx(S)
                C = k > 0 ? col(k) : ALLCOL
                PT = k > 0 ? stitle(k) : S
                YLO = YLA[i]; YHI = YHA[i]
                eval SETY
                eval WPANEL
                unset label FOOT_TAG
            }
            unset multiplot
            unset output
        }

        # the caseload per worker of each pool: base and alternative, with the caps
        if (NP > 0) {
            reset
            set datafile separator comma
            do for [i = 1:NP] {
                S = item(POOLS, i)
                eval CAPS
                CBA[i] = CAPB; CAA[i] = CAPA
                C1 = 6; C2 = 6
                eval RANGE
                H0 = YHI
                C1 = 7; C2 = 7
                eval RANGE
                YLA[i] = 0; YHA[i] = max(max(H0, YHI), max(CAPB == CAPB ? CAPB : 0, CAPA == CAPA ? CAPA : 0))
            }
            eval COMMON
            COLS = NP <= 1 ? 1 : NP <= 4 ? 2 : 3
            ROWS = int((NP + COLS - 1) / COLS)
            T0 = TS0 - TSPAD; T1 = TS1 + TSPAD; MAXT = COLS >= 3 ? 4 : COLS == 1 ? 9 : 5
            eval SETDATES
            W = COLS == 1 ? 1000 : 1200; H = 130 + (COLS == 1 ? 480 : 340) * ROWS
            eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
            set output OUTDIR . "/caseloads-" . fname(A) . "." . FMT
            set multiplot layout ROWS, COLS title A . " against " . BASE . " (base): weighted cases per available worker " . ATSTEP . "\n" . \
                "Solid: " . A . "; dashed grey: " . BASE . " (means of paired runs); red dotted: the pool's caseload cap" font ",12" offset 0, FH scale 1, 1 - FH * ROWS / (1 - FOOT_MPT)
            MET = "caseload_per_worker"
            do for [i = 1:NP] {
                S = item(POOLS, i)
                C = col(i)
                CAPB = CBA[i]; CAPA = CAA[i]
                PT = S . ": cap " . capword(CAPB == CAPB ? CAPB : CAPA) . ((CAPA == CAPA && CAPB == CAPB && abs(CAPA - CAPB) > 1e-6) ? " (" . BASE . "), " . capword(CAPA) . " (" . A . ")" : " cases per worker")
                YLO = YLA[i]; YHI = YHA[i]
                eval SETY
                eval CPANEL
                unset label FOOT_TAG
            }
            unset multiplot
            unset output
        }
    }

    # ---- cost per year by component: each alternative minus the base ------------------
    if (HAVECOSTS) {
        reset
        set datafile separator comma
        # the bars, in this order, where compare.csv has them: metric, stage, label.
        # When the base has no strand costs compare.csv has no strand component row;
        # strand_cost_per_year (0 for such a base) stands in for it. Total is
        # cost_per_year of `all` (the net cost).
        CANDM = "component_cost_per_year component_cost_per_year component_cost_per_year strand_cost_per_year cost_per_year"
        CANDS = "pool placement strand all all"
        CANDL = "Workforce (pools)\tPlacements\tInnovation strands\tInnovation strands\tTotal (net cost)"
        CM = ""; CS = ""; CL = ""; NC = 0
        HASSTRAND = 0
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
                    if (G eq "strand") { HASSTRAND = 1 }
                }
            }
        }
        if (NC > 0) {
            isbar(k, d) = strcol(1) eq word(CM, k) && strcol(2) eq word(CS, k)
            kof(d) = sum [kk = 1:NC] (isbar(kk, d) ? kk : 0)
            BW = 0.8 / NALT
            xpos(k, j) = k - 0.4 + BW * (j - 0.5)
            isalt(a) = strcol(11) eq alt(a)
            dval(a) = (kof(0) > 0 && isalt(a)) ? column(5) : NaN
            # the range: every difference and interval end
            undefine STATS_*
            stats CMP skip 1 using ((kof(0) > 0) ? column(5) : NaN) nooutput
            YLO = STATS_min; YHI = STATS_max
            undefine STATS_*
            stats CMP skip 1 using ((kof(0) > 0) ? column(6) : NaN) nooutput
            if (exists("STATS_min")) { YLO = YLO < STATS_min ? YLO : STATS_min }
            undefine STATS_*
            stats CMP skip 1 using ((kof(0) > 0) ? column(7) : NaN) nooutput
            if (exists("STATS_max")) { YHI = YHI > STATS_max ? YHI : STATS_max }
            YP0 = (YHI - YLO) * 0.1; YLO = YLO - (YLO < 0 ? YP0 : 0); YHI = YHI + (YHI > 0 ? YP0 : 0)
            # the base's total a year (cost_per_year of all, the same on every alternative's rows)
            undefine STATS_*
            stats CMP skip 1 using ((strcol(1) eq "cost_per_year" && strcol(2) eq "all" && isalt(1)) ? column(3) : NaN) nooutput
            BASETOT = exists("STATS_max") ? STATS_max : NaN

            set datafile separator comma
            set grid ytics lt 1 lc rgb "#dddddd" lw 1
            set border 3 lc rgb "#444444"
            set tics nomirror out scale 0.5 textcolor rgb "#222222"
            set xtics scale 0 ()
            do for [k = 1:NC] { set xtics add (item(CL, k) k) }
            set xrange [0.5 : NC + 0.5]
            YLAB(v) = tmoney(v)
            eval SETY
            set ylabel "difference in cost per year"
            set boxwidth BW * 0.85 absolute
            set style fill solid 0.85 noborder
            set key noautotitle
            set key below horizontal center Left reverse samplen 2.5 width 2 font ",10"
            set title font ",13"
            W = 1000; H = 640
            eval (FMT eq "png" ? TERM_PNG : TERM_SVG)
            set output OUTDIR . "/costs." . FMT
            set title (NALT == 1 ? alt(1) : "Each alternative") . " minus " . BASE . " (base): change in cost per year, by component\n" . \
                BASE . " costs " . money(BASETOT) . " a year in total. Bars: mean of paired differences; whiskers: 95% interval" font ",12"
            LBL = NALT <= 3 ? ",10" : ",8"
            plot 0 with lines lw 1.2 lc rgb ZEROCOL notitle, \
                 for [a = 1:NALT] CMP skip 1 using (xpos(kof(0), a)):(dval(a)) with boxes fc rgb col(a) title alt(a) . " minus " . BASE, \
                 for [a = 1:NALT] CMP skip 1 using (xpos(kof(0), a)):(dval(a) == dval(a) ? column(6) : NaN):(0):(column(7) - column(6)) with vectors nohead lc rgb "#222222" lw 1.2 notitle, \
                 for [a = 1:NALT] CMP skip 1 using (xpos(kof(0), a) - BW * 0.08):(dval(a) == dval(a) ? column(6) : NaN):(BW * 0.16):(0) with vectors nohead lc rgb "#222222" lw 1.2 notitle, \
                 for [a = 1:NALT] CMP skip 1 using (xpos(kof(0), a) - BW * 0.08):(dval(a) == dval(a) ? column(7) : NaN):(BW * 0.16):(0) with vectors nohead lc rgb "#222222" lw 1.2 notitle, \
                 for [a = 1:NALT] CMP skip 1 using (xpos(kof(0), a)):(dval(a) >= 0 ? max(dval(a), column(7) == column(7) ? column(7) : dval(a)) : NaN):(smoney(dval(a))) \
                    with labels center offset char 0, 0.8 font LBL tc rgb "#222222" notitle, \
                 for [a = 1:NALT] CMP skip 1 using (xpos(kof(0), a)):(dval(a) < 0 ? -max(-dval(a), column(6) == column(6) ? -column(6) : -dval(a)) : NaN):(smoney(dval(a))) \
                    with labels center offset char 0, -0.8 font LBL tc rgb "#222222" notitle
            unset output
        }
    }
}
