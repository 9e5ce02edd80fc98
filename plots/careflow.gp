# careflow.gp: draws the plots of a careflow run from the CSVs it wrote.
#
#   gnuplot -d -c plots/careflow.gp DATADIR OUTDIR TITLE NAMES TITLES FLAGS POOLS STEP OPTIONS
#
#   DATADIR  folder holding timeseries.csv (and fit.csv)
#   OUTDIR   existing folder the images are written into
#   TITLE    scenario title, starts every plot title; then a tab and the footer line
#            (version, scenario, seed, replications: footer.gp draws it on every plot)
#   NAMES    stage names in scenario order, as in timeseries.csv, separated by tabs
#   TITLES   their titles, same order, separated by tabs
#   FLAGS    one digit per stage: 1 counts in `all` (open case), 2 served by a pool,
#            3 both, 0 neither
#   POOLS    three items per pool, separated by tabs: name, caseload cap, the numbers
#            (from 1, in NAMES) of the stages it serves separated by spaces ("0": none);
#            "" = no pool
#   STEP     the report step as a noun: "month", "day", "14 days"
#   OPTIONS  words: png and/or svg (formats drawn), fit (fit.csv exists)
#
# Lists are tab-separated so that names and titles may hold spaces and quotes: the
# values arrive as ARG1..ARG9 strings and are never parsed as gnuplot commands.
# Writes stock-STAGE (a "/" in a name becomes "_"), stock-all, stocks, entries, pools
# (if POOLS) and fit (if fit) in each format. Any gnuplot error ends the script with a
# non-zero exit status.

if (ARGC < 9) {
    print "usage: gnuplot -c careflow.gp DATADIR OUTDIR TITLE NAMES TITLES FLAGS POOLS STEP OPTIONS"
    exit status 2
}

# ---- small string tools (recursive: gnuplot 5.4 has no split) ----------------------
set encoding utf8
TAB = "\t"
_head(l, p) = p == 0 ? l : l[1:p-1]
_tail(l, p) = p == 0 ? "" : l[p+1:]
head(l) = _head(l, strstrt(l, TAB))
tail(l) = _tail(l, strstrt(l, TAB))
item(l, n) = n <= 1 ? head(l) : item(tail(l), n - 1)
count(l) = strlen(l) == 0 ? 0 : 1 + count(tail(l))
_lastslash(s, p) = p == 0 ? 0 : p + _lastslash(s[p+1:], strstrt(s[p+1:], "/"))
dirname(s) = s[1:_lastslash(s, strstrt(s, "/"))]
# a stage name made safe for a file name ('/' would make a path)
_fname(s, p) = p == 0 ? s : s[1:p-1] . "_" . _fname(s[p+1:], strstrt(s[p+1:], "/"))
fname(s) = _fname(s, strstrt(s, "/"))
# sets of stage names joined by '+', as in fit.csv: equal in any order
inset(tok, set) = strstrt("+" . set . "+", "+" . tok . "+") > 0
_allin(s, set, p) = p == 0 ? inset(s, set) : (inset(s[1:p-1], set) && _allin(s[p+1:], set, strstrt(s[p+1:], "+")))
allin(s, set) = _allin(s, set, strstrt(s, "+"))
sameset(a, b) = allin(a, b) && allin(b, a)
# 6553 -> "6,553"; small or fractional values keep 3 significant digits
_commas(n) = n < 1000 ? sprintf("%d", n) : _commas(int(n / 1000)) . sprintf(",%03d", int(n) % 1000)
num(v) = v != v ? "" : abs(v) < 100 ? sprintf("%.3g", v) : (v < 0 ? "-" : "") . _commas(int(abs(v) + 0.5))
max(a, b) = a > b ? a : b
min(a, b) = a < b ? a : b

# ---- the arguments ------------------------------------------------------------------
DATADIR = ARG1
OUTDIR = ARG2
TITLE = ARG3
NAMES = ARG4
TITLES = ARG5
FLAGS = ARG6
POOLS = ARG7
STEP = ARG8
SCRIPTS = dirname(ARG0)
TS = DATADIR . "/timeseries.csv"
FIT = DATADIR . "/fit.csv"

NST = count(NAMES)
name(i) = item(NAMES, i)
stitle(i) = item(TITLES, i)
flag(i) = int(FLAGS[i:i])
isopen(i) = flag(i) % 2
served(i) = int(flag(i) / 2) % 2
NPOOLS = count(POOLS) / 3
pname(p) = item(POOLS, 3 * p - 2)
pcap(p) = real(item(POOLS, 3 * p - 1))
pserves(p) = item(POOLS, 3 * p)   # stage numbers as words; "0" none
FORMATS = ""
do for [w in ARG9] { if (w eq "png" || w eq "svg") { FORMATS = FORMATS . " " . w } }
HAVEFIT = strstrt(" " . ARG9 . " ", " fit ") > 0

OPEN = ""           # open-case stages joined by '+': the set `all` stands for
NSERVED = 0
SERVEDIDX = ""     # indices of the stages a pool serves, as words
do for [i = 1:NST] {
    if (isopen(i)) { OPEN = OPEN . (strlen(OPEN) ? "+" : "") . name(i) }
    if (served(i)) { NSERVED = NSERVED + 1; SERVEDIDX = SERVEDIDX . sprintf(" %d", i) }
}
ALLTITLE = "All open cases"
PERSTEP = "per " . STEP
ATSTEP = STEP eq "month" ? "at each month end" : "every " . STEP

# ---- look ---------------------------------------------------------------------------
# One colour per stage, by its place in the scenario (Okabe-Ito, then darker extras);
# `all` is slate, observed data black, the capacity line red.
PALETTE = "#0072B2 #D55E00 #009E73 #CC79A7 #E69F00 #56B4E9 #882255 #117733 #332288 #996633"
col(i) = word(PALETTE, (i - 1) % 10 + 1)
ALLCOL = "#34495E"
# pools have their own, darker colours: they are not stages
POOLPAL = "#1F3A5F #7B3F00 #4B6B2F #5B2C6F #0E6655 #7D6608"
pcol(p) = word(POOLPAL, (p - 1) % 6 + 1)
OBSCOL = "#000000"
CAPCOL = "#C0392B"

TERM_PNG = 'set terminal pngcairo size W, H font "sans-serif,11" noenhanced linewidth 1.2 background "#ffffff"'
TERM_SVG = 'set terminal svg size W, H dynamic font "sans-serif,11" noenhanced linewidth 1.2 background "#ffffff"'
load SCRIPTS . "footer.gp"    # TITLE's footer on every plot (TERM_* draw it)
load SCRIPTS . "units.gp"     # thousands separators on axes of counts
# Everything a plot starts from (after `reset`): CSV input, real dates, a light grid.
COMMON = 'set datafile separator comma; set grid xtics ytics lt 1 lc rgb "#dddddd" lw 1; set border 3 lc rgb "#444444"; set tics nomirror out scale 0.5 textcolor rgb "#222222"; set key noautotitle; set title font ",13"; set xdata time; set timefmt "%Y-%m-%d"; set format x "%b %Y"; set offsets 0, 0, graph 0.06, graph 0.06; set key below horizontal center Left reverse samplen 2.5 width 2 font ",10"'

# Dates: ticks at month ends, March-aligned (the year end of English children's social
# care statistics), at most MAXT of them between T0 and T1 (seconds).
monthof(t) = int(tm_year(t)) * 12 + int(tm_mon(t))
monthend(m) = strptime("%Y-%m-%d", sprintf("%04d-%02d-01", int((m + 1) / 12), (m + 1) % 12 + 1)) - 86400
tickstep(nm, k) = nm <= k ? 1 : nm <= 2*k ? 2 : nm <= 3*k ? 3 : nm <= 6*k ? 6 : nm <= 12*k ? 12 : nm <= 24*k ? 24 : 60
SETDATES = 'set xrange [T0 : T1]; M0 = monthof(T0); M1 = monthof(T1) + 1; MS = tickstep(M1 - M0, MAXT); set xtics (); do for [m = M0:M1] { if ((m - 2) % MS == 0 && monthend(m) >= T0 && monthend(m) <= T1) { set xtics add (strftime("%b %Y", monthend(m)) monthend(m)) } }'

# The time span of the run, from timeseries.csv (a missing file ends the script here).
set datafile separator comma
stats TS skip 1 using (timecolumn(2, "%Y-%m-%d")) nooutput
TS0 = STATS_min
TS1 = STATS_max
if (TS1 <= TS0) { TS1 = TS0 + 86400 }
# a little room either side, so points and labels at the ends are not cut
TSPAD = (TS1 - TS0) * 0.015

do for [FMT in FORMATS] {
    load SCRIPTS . "stock.gp"
    load SCRIPTS . "entries.gp"
    if (NPOOLS > 0) { load SCRIPTS . "pools.gp" }
    if (HAVEFIT) { load SCRIPTS . "fit.gp" }
}
