# units.gp: numbers a reader takes in at a glance on the axes of counts: from 10,000 up
# an axis's tick labels carry thousands separators (203,456, never 203456 or 2e+05).
# Loaded once by careflow.gp, sensitivity.gp, sweep.gp, calibrate.gp and backtest.gp.
# (Money is drawn in £ thousands or £ millions and shares as % by the scripts
# themselves.)
#
# cnum(v): v rounded to a whole number with separators: 203456.4 -> "203,456".
# COMMAS_Y, COMMAS_X, COMMAS_CB (eval): in CLO, CHI (the lowest and highest value the axis shows,
# from `stats`) and CN (about how many ticks): when either end reaches 10,000, ticks at
# a round step (1, 2, 2.5 or 5 times a power of ten) labelled with cnum; otherwise
# gnuplot's own ticks (set again, so a panel does not keep the one before's).

_cm(n) = n < 1000 ? sprintf("%d", n) : _cm(int(n / 1000)) . sprintf(",%03d", int(n) % 1000)
cnum(v) = (v < -0.5 ? "-" : "") . _cm(int(abs(v) + 0.5))
_p10(x) = 10.0 ** floor(log10(x))
_nice(r) = r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10
nicestep(span, n) = span <= 0 ? _p10(n) : _nice(span / n / _p10(span / n)) * _p10(span / n)
_big(lo, hi) = (abs(lo) >= 10000 || abs(hi) >= 10000) && nicestep(hi - lo, CN) >= 1
CN = 6
COMMAS_Y = 'if (_big(CLO, CHI)) { CST = nicestep(CHI - CLO, CN); set ytics (); do for [CK = int(floor(CLO / CST)) : int(ceil(CHI / CST))] { set ytics add (cnum(CK * CST) CK * CST) } } else { set ytics autofreq }'
COMMAS_X = 'if (_big(CLO, CHI)) { CST = nicestep(CHI - CLO, CN); set xtics (); do for [CK = int(floor(CLO / CST)) : int(ceil(CHI / CST))] { set xtics add (cnum(CK * CST) CK * CST) } } else { set xtics autofreq }'
COMMAS_CB = 'if (_big(CLO, CHI)) { CST = nicestep(CHI - CLO, CN); set cbtics (); do for [CK = int(floor(CLO / CST)) : int(ceil(CHI / CST))] { set cbtics add (cnum(CK * CST) CK * CST) } } else { set cbtics autofreq }'
