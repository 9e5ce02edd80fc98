#!/bin/sh
# make bench: prints figures, asserts nothing (tests never depend on timing).
#  1. M/M/10 at 90% with 1,000,000 arrivals: careflow (YAML to CSV) against a bare C
#     binary-heap loop, 5 paired runs in one process: medians, and the median of the
#     5 ratios with its range.
#  2. England, 1 replication, for 10 and for 2 years: 3 runs of each, the median and
#     range of wall seconds, events per second and peak memory; then the 10-year run
#     and its random draws alone, 3 times each in turn in one process (bench_draws.c):
#     the floor that no change keeping the same bytes can go below.
#  3. Hampshire, 8 replications at 1 and 2 threads, and 40 on 1 and 2 MPI ranks: medians
#     of 3 runs, with their spread, and the speed-ups.
#  4. A Sobol sweep (hampshire-innovation-uncertain, N = 16: 144 design points x 2
#     replications) at 1 and 2 threads, and, where OpenMPI is installed, on 1 and 2
#     MPI ranks: medians of 3 runs, speed-ups against 1 thread, and whether the
#     results are byte-identical.
#  5. calibrate at Hampshire scale (16 design points x 4 replications): 3 runs on 2
#     threads and, where OpenMPI is installed, on 2 ranks x 2 threads: medians of wall
#     and CPU seconds (a rank waiting for rank 0's search sleeps, not polls).
#  6. The record readers: a million-row careflow episodes CSV and an SSDA903 set
#     read by rec_read (bench_records.c: medians of 3 runs, peak memory).
#  7. Estimating: a million-row careflow episodes CSV made by `run --episodes`, read
#     and estimated (bench_estimate.c: time and peak memory of each), and the time of
#     a backtest of the council's records with 2 cutoffs, without and with plots.
set -e
: "${CAREFLOW:=build/careflow}" "${BUILD:=build}"
echo "== 1. careflow against a hand-written C loop"
"$BUILD/bench/bench_mmc" scenarios/examples/mm10-bench.yaml
echo
echo "== 2. England, 1 replication, 10 and 2 years (3 runs each: median, min-max)"
out=$(mktemp -d /tmp/careflow-bench-england-XXXXXX)
# spread: reads numbers, one a line; prints "median (min-max)" with printf format $1
spread() {
    sort -n | awk -v f="$1" '{ x[NR] = $1 } END {
        m = NR % 2 ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2
        printf f " (" f "-" f ")", m, x[1], x[NR] }'
}
get() { sed -n "s/.*\"$2\": *\([0-9.e+-]*\).*/\1/p" "$1/manifest.json" | head -n 1; }
for span in 10:2034-03-31 2:2026-03-31; do
    years=${span%%:*}
    for i in 1 2 3; do
        "$CAREFLOW" run scenarios/england.yaml --reps 1 --threads 1 --no-plots --quiet \
            --out "$out/e$years-$i" --set end="${span#*:}"
    done
    ev=$(get "$out/e$years-1" events)
    w=$(for i in 1 2 3; do get "$out/e$years-$i" wall_seconds; done | spread %.2f)
    r=$(for i in 1 2 3; do get "$out/e$years-$i" events_per_second; done |
        awk '{ print $1 / 1e6 }' | spread %.2f)
    m=$(for i in 1 2 3; do get "$out/e$years-$i" peak_rss_mb; done | spread %.0f)
    printf '  %2d years: %s s, %d events, %s M events/s, peak memory %s MB\n' \
        "$years" "$w" "$ev" "$r" "$m"
done
echo "  (memory follows open cases, not simulated time: the 2- and 10-year peaks agree)"
echo "  the floor under the same bytes: the run's random draws alone (bench_draws.c)"
"$BUILD/bench/bench_draws" scenarios/england.yaml 1.5 | sed 's/^/  /'
echo
echo "== 3. threads: 8 replications of Hampshire at 1 and 2 threads (medians of 3 runs)"
for t in 1 2; do
    for i in 1 2 3; do
        s=$(date +%s.%N)
        "$CAREFLOW" run scenarios/hampshire-baseline.yaml --reps 8 --threads $t --no-plots --quiet --out "$out/t$t"
        e=$(date +%s.%N)
        awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }'
    done > "$out/t$t.times"
done
h1=$(sort -n "$out/t1.times" | sed -n 2p)
h2=$(sort -n "$out/t2.times" | sed -n 2p)
printf '  threads 1: %s s   threads 2: %s s   speed-up %s\n' "$(spread %.2f < "$out/t1.times")" \
    "$(spread %.2f < "$out/t2.times")" "$(awk -v a="$h1" -v b="$h2" 'BEGIN { printf "%.2f", a / b }')"
cmp -s "$out/t1/summary.csv" "$out/t2/summary.csv" && echo "  summary.csv identical at 1 and 2 threads"
# 40 replications on 1 and 2 MPI ranks (one thread each; fewer would time mpirun's
# start): medians of 3, with the spread
mpi_run_bin=${CAREFLOW_MPI_BIN:-build/mpi/careflow}
if command -v mpirun >/dev/null 2>&1 && [ -x "$mpi_run_bin" ]; then
    ranks_run() { # RANKS: "median min max" wall seconds of 3 runs into $out/rRANKS
        for i in 1 2 3; do
            s=$(date +%s.%N)
            OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun -n "$1" \
                --oversubscribe "$mpi_run_bin" run scenarios/hampshire-baseline.yaml --reps 40 \
                --threads 1 --no-plots --quiet --out "$out/r$1"
            e=$(date +%s.%N)
            awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }'
        done | sort -n | tr '\n' ' ' | awk '{ print $2, $1, $3 }'
    }
    set -- $(ranks_run 1) $(ranks_run 2)
    awk -v a="$1" -v a0="$2" -v a1="$3" -v b="$4" -v b0="$5" -v b1="$6" 'BEGIN {
        printf "  MPI ranks 1: %.2f s (%.2f-%.2f)   ranks 2: %.2f s (%.2f-%.2f)   speed-up %.2f (medians of 3)\n",
               a, a0, a1, b, b0, b1, a / b }'
    cmp -s "$out/r1/summary.csv" "$out/r2/summary.csv" && cmp -s "$out/r1/timeseries.csv" "$out/r2/timeseries.csv" && \
        echo "  summary.csv and timeseries.csv identical on 1 and 2 ranks"
else
    echo "  MPI: skipped (no mpirun or $mpi_run_bin; make MPI=1 builds it, installing OpenMPI)"
fi
echo
echo "== 4. a Sobol sweep on threads and MPI ranks (medians of 3 runs)"
sweep() { # NAME THREADS COMMAND...: median wall seconds of 3 runs into $out/NAME (all
          # three in $out/NAME.times)
    name=$1; threads=$2; shift 2
    for i in 1 2 3; do
        s=$(date +%s.%N)
        "$@" sensitivity scenarios/hampshire-innovation-uncertain.yaml --method sobol \
            --samples 16 --reps 2 --outputs entries_per_year:care,cost_per_year:all \
            --threads "$threads" --no-plots --quiet --fresh --out "$out/$name" >/dev/null
        e=$(date +%s.%N)
        awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }'
    done | sort -n > "$out/$name.times"
    sed -n 2p "$out/$name.times"
}
t1=$(sweep s1 1 "$CAREFLOW")
t2=$(sweep s2 2 "$CAREFLOW")
printf '  threads 1: %s s   threads 2: %s s   speed-up %s\n' "$(spread %.2f < "$out/s1.times")" \
    "$(spread %.2f < "$out/s2.times")" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", a / b }')"
cmp -s "$out/s1/sobol.csv" "$out/s2/sobol.csv" && echo "  sobol.csv identical at 1 and 2 threads"
mpi_bin=${CAREFLOW_MPI_BIN:-build/mpi/careflow}
if command -v mpirun >/dev/null 2>&1 && [ -x "$mpi_bin" ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    r1=$(sweep m1 1 mpirun -n 1 "$mpi_bin")
    r2=$(sweep m2 1 mpirun -n 2 --oversubscribe "$mpi_bin")
    printf '  MPI ranks 1: %s s   ranks 2: %s s   speed-up %s against 1 thread (%s against 1 rank)\n' \
        "$(spread %.2f < "$out/m1.times")" "$(spread %.2f < "$out/m2.times")" \
        "$(awk -v a="$t1" -v c="$r2" 'BEGIN { printf "%.2f", a / c }')" \
        "$(awk -v b="$r1" -v c="$r2" 'BEGIN { printf "%.2f", b / c }')"
    cmp -s "$out/s1/sobol.csv" "$out/m2/sobol.csv" && cmp -s "$out/s1/Y.csv" "$out/m2/Y.csv" && \
        echo "  sobol.csv and Y.csv identical on 2 ranks and 1 thread"
else
    echo "  MPI: skipped (no mpirun or $mpi_bin; make MPI=1 builds it, installing OpenMPI)"
fi
echo
echo "== 5. calibrate at Hampshire scale (hampshire-calibrate, 16 design points x 4"
echo "     replications, then the search and the posterior rounds): medians of 3 runs"
cal() { # NAME THREADS COMMAND...: 3 runs; wall seconds into $out/NAME.wall, CPU seconds
       # (user + system, all processes) into $out/NAME.cpu, one a line; "failed" if one fails
    name=$1; threads=$2; shift 2
    : > "$out/$name.wall"; : > "$out/$name.cpu"
    for i in 1 2 3; do
        s=$(date +%s.%N)
        if /usr/bin/time -o "$out/$name.t" -f '%U %S' "$@" calibrate \
            scenarios/hampshire-calibrate.yaml --samples 16 --reps 4 --threads "$threads" \
            --no-plots --quiet --fresh --out "$out/$name" >/dev/null 2>&1; then
            e=$(date +%s.%N)
            awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }' >> "$out/$name.wall"
            tail -n 1 "$out/$name.t" | awk '{ printf "%.2f\n", $1 + $2 }' >> "$out/$name.cpu"
        else
            echo failed > "$out/$name.wall"
            return 0
        fi
    done
}
say_cal() { # NAME LABEL
    if grep -q failed "$out/$1.wall"; then
        echo "  $2: calibrate failed"
    else
        printf '  %s: %s s, %s CPU seconds\n' "$2" "$(spread %.2f < "$out/$1.wall")" \
            "$(spread %.2f < "$out/$1.cpu")"
    fi
}
if [ -x /usr/bin/time ]; then
    cal c2 2 "$CAREFLOW"
    say_cal c2 "2 threads"
    if command -v mpirun >/dev/null 2>&1 && [ -x "$mpi_bin" ]; then
        cal cm 2 mpirun -n 2 --oversubscribe --bind-to none "$mpi_bin"
        say_cal cm "2 MPI ranks x 2 threads (a waiting rank sleeps)"
        cmp -s "$out/c2/calibrate.csv" "$out/cm/calibrate.csv" && \
            echo "  calibrate.csv identical on 2 ranks and 2 threads"
    fi
else
    echo "  skipped (no /usr/bin/time to count CPU seconds: apt-get install time)"
fi
rm -rf "$out"
echo
echo "== 6. reading case records: a million careflow episodes rows and an SSDA903 set"
"$BUILD/bench/bench_records"
echo
echo "== 7. estimating and backtesting: a million-row careflow episodes CSV made by run"
echo "     --episodes, read and estimated (time, peak memory); a council backtest"
"$BUILD/bench/bench_estimate"
