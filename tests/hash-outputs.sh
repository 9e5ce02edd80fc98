#!/bin/sh
# tests/hash-outputs.sh [CAREFLOW]: runs every shipped scenario (run), one compare,
# short sensitivity sweeps, one workforce sweep and one small calibration into a
# temporary folder and prints the SHA-256 of every
# CSV they write, one line per file, sorted. A refactor must leave this list unchanged:
#   sh tests/hash-outputs.sh > before.txt; ...change...; sh tests/hash-outputs.sh | diff before.txt -
# (manifest.json holds timings and is not hashed.) England is run for one replication.
set -e
bin=${1:-build/careflow}
out=$(mktemp -d /tmp/careflow-hash-XXXXXX)
trap 'rm -rf "$out"' EXIT
for s in scenarios/*.yaml scenarios/examples/*.yaml; do
    n=$(basename "$s" .yaml)
    reps=""
    case "$n" in england|mm10-bench) reps="--reps 1" ;; esac
    "$bin" run "$s" $reps --no-plots --quiet --out "$out/run-$n" >/dev/null
done
"$bin" compare scenarios/hampshire-innovation.yaml scenarios/hampshire-edge-12plus.yaml \
    --reps 4 --no-plots --quiet --out "$out/compare" >/dev/null
for m in oat morris sobol lhs; do
    "$bin" sensitivity scenarios/hampshire-innovation-uncertain.yaml --method $m --samples 4 \
        --reps 2 --no-plots --quiet --out "$out/sens-$m" >/dev/null
done
"$bin" sweep scenarios/council-staffed.yaml --vary pools.social_workers.workers=56:60:2 \
    --target 'mean_wait_days:cin<=10' --reps 4 --no-plots --quiet --out "$out/sweep" \
    >/dev/null || [ $? = 1 ] # 1: no value met the target (the files are written)
"$bin" calibrate scenarios/hampshire-calibrate.yaml --samples 4 --reps 2 --no-plots --quiet \
    --out "$out/calibrate" >/dev/null 2>&1
cd "$out" && find . -name '*.csv' | sort | xargs sha256sum
