# footer.gp: the footer line at the bottom of every plot, e.g.
#   careflow 0.1.0 · hampshire-baseline · seed 20150930 · 20 replications · bands: ...
# (the version, the scenario, its seed and replications: what the plot came from).
#
# Loaded once by each entry script (careflow.gp, compare.gp, sensitivity.gp, sweep.gp,
# calibrate.gp, backtest.gp) after it has set TITLE from its TITLE argument and defined
# TERM_PNG and TERM_SVG. The C side (plot__title_footer in models/commands/plot.c)
# passes that argument as "TITLE<TAB>FOOTER"; a title's own tabs were made spaces, so
# the first tab splits them. Both stay strings: nothing here parses them as commands.
#
# In: TITLE, TERM_PNG, TERM_SVG (a terminal command that reads H, the image's height in
# pixels). Out: TITLE (the title alone), FOOTER (the line, "" if none), and TERM_PNG and
# TERM_SVG made to also run FOOT: every plot drawn after `eval TERM_*` is set in the
# image above a strip FOOT_PX high (set size, set origin), the footer in that strip.
#
# What the strip does not move, a script adapts:
#   - a multiplot layout places its panels itself: add @FOOT_LAYOUT to `set multiplot
#     layout ROWS, ...` (ROWS: its rows) and `unset label FOOT_TAG` after the first
#     panel's plot (else every panel draws the line again);
#   - a margin, key or label `at screen Y` is not moved by set origin: use FY(Y), the
#     same place in the area above the strip.

_fp = strstrt(TITLE, "\t")
FOOTER = _fp > 0 ? TITLE[_fp + 1:] : ""
TITLE = _fp > 1 ? TITLE[1:_fp - 1] : _fp == 1 ? "" : TITLE

FOOT_PX = 22           # the strip's height in pixels
FOOT_TAG = 9999        # the label's tag: scripts use small ones
FOOTCOL = "#6b6b6b"
FOOT_MPT = 0.3         # the most of a multiplot's height its title takes (FOOT_LAYOUT)
FH = 0                 # the strip as a fraction of the image's height, set by FOOT
FY(y) = FH + (1 - FH) * y

FOOT = 'FH = strlen(FOOTER) > 0 ? FOOT_PX * 1.0 / H : 0; set size 1, 1 - FH; set origin 0, FH; if (FH > 0) { set label FOOT_TAG FOOTER at screen 0.008, screen 0.42 * FH left front font ",9" tc rgb FOOTCOL noenhanced }'
TERM_PNG = TERM_PNG . "; " . FOOT
TERM_SVG = TERM_SVG . "; " . FOOT

# A layout puts row r's panels at (r - 1) / ROWS of the height under its title and
# offsets them all by FH; scaling the panels' height keeps the top row below the title
# (whose share of the height is at most FOOT_MPT).
FOOT_LAYOUT = 'offset 0, FH scale 1, 1 - FH * ROWS / (1 - FOOT_MPT)'
