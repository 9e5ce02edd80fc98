#!/bin/sh
# tests/fuzz/run.sh DIR SECONDS HARNESS...: runs each built fuzzer DIR/fuzz_HARNESS for
# SECONDS on DIR/corpus-HARNESS (seeded, the first time, from tests/fuzz/corpus/HARNESS,
# which is never written to), with the dictionary tests/fuzz/yaml.dict. Each run's
# output goes to DIR/fuzz_HARNESS.log; a crash, leak, timeout or contract violation
# is saved under DIR/crashes-HARNESS/. Prints one line per harness (its last coverage
# and speed, or the reproducer found) and exits 1 if any harness found something.
dir=$1; seconds=$2; shift 2
status=0
for h in "$@"; do
    corpus=$dir/corpus-$h crashes=$dir/crashes-$h log=$dir/fuzz_$h.log
    mkdir -p "$corpus" "$crashes"
    cp -n tests/fuzz/corpus/"$h"/* "$corpus"/ 2>/dev/null
    echo "fuzz_$h: $seconds s (log $log)"
    if "$dir/fuzz_$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -detect_leaks=1 -dict=tests/fuzz/yaml.dict -artifact_prefix="$crashes/" \
        -print_final_stats=1 "$corpus" </dev/null >"$log" 2>&1; then
        grep -aE '^#[0-9]+.*(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 | sed 's/^/  /'
    else
        status=1
        grep -aE 'ERROR:|contract violated|SUMMARY' "$log" | head -n 3 | sed 's/^/  /'
        repro=$(grep -a 'Test unit written to' "$log" | sed 's/.*Test unit written to //' | tail -n 1)
        echo "  FOUND: reproducer $repro"
        echo "  replay: $dir/fuzz_$h $repro; minimise: $dir/fuzz_$h -minimize_crash=1 -runs=10000 $repro"
    fi
done
exit $status
