#!/bin/sh
# make bench: prints figures, asserts nothing (tests never depend on timing).
#  1. M/M/10 at 90% with 1,000,000 arrivals: careflow (YAML to CSV) against a bare C
#     binary-heap loop, medians of 5 runs in one process, and their ratio.
#  2. England for 10 years, 1 replication: events per second and peak memory.
set -e
: "${CAREFLOW:=build/careflow}" "${BUILD:=build}"
echo "== 1. careflow against a hand-written C loop"
"$BUILD/bench/bench_mmc" scenarios/examples/mm10-bench.yaml
echo
echo "== 2. England, 10 years, 1 replication"
out=$(mktemp -d /tmp/careflow-bench-england-XXXXXX)
"$CAREFLOW" run scenarios/england.yaml --reps 1 --threads 1 --no-plots --quiet --out "$out"
get() { sed -n "s/.*\"$1\": *\([0-9.e+-]*\).*/\1/p" "$out/manifest.json" | head -n 1; }
awk -v w="$(get wall_seconds)" -v e="$(get events)" -v r="$(get events_per_second)" -v m="$(get peak_rss_mb)" \
    'BEGIN { printf "  wall %.2f s, %d events, %.2f M events/s, peak memory %.0f MB\n", w, e, r / 1e6, m }'
echo "  memory follows open cases, not simulated time: peak for 2 years against 10"
"$CAREFLOW" run scenarios/england.yaml --reps 1 --threads 1 --no-plots --quiet --out "$out/two" \
    --set end=2026-03-31
awk -v a="$(sed -n 's/.*"peak_rss_mb": *\([0-9.]*\).*/\1/p' "$out/two/manifest.json")" -v b="$(get peak_rss_mb)" \
    'BEGIN { printf "  peak memory: 2 years %.0f MB, 10 years %.0f MB\n", a, b }'
echo
echo "== 3. threads: 8 replications of Hampshire at 1 and 2 threads"
for t in 1 2; do
    s=$(date +%s.%N)
    "$CAREFLOW" run scenarios/hampshire-baseline.yaml --reps 8 --threads $t --no-plots --quiet --out "$out/t$t"
    e=$(date +%s.%N)
    awk -v s="$s" -v e="$e" -v t=$t 'BEGIN { printf "  threads %d: %.2f s\n", t, e - s }'
done
cmp -s "$out/t1/summary.csv" "$out/t2/summary.csv" && echo "  summary.csv identical at 1 and 2 threads"
rm -rf "$out"
