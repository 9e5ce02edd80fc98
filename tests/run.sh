#!/bin/sh
# Runs each cmocka test binary given as an argument and prints one line per binary
# ("  ok    test_cli: 41 passed, 1 skipped (mpi_matches_threads)"), then the closing
# line "tests: N passed, M failed, K skipped", summed over all of them. A binary's
# own output (cmocka's lines and whatever the commands it runs print on stderr, the
# expected errors included) is shown only when it fails, so the summary is readable
# and a failure shows everything. V=1 shows every binary's output. Exit status 1 if
# any failed.
passed=0; failed=0; skipped=0; status=0
for t in "$@"; do
    out=$("$t" 2>&1); rc=$?
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
    k=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -n 1)
    # the names of the skipped tests: cmocka lists them after its count line
    names=$(printf '%s\n' "$out" | sed -n '/^\[  SKIPPED \] [0-9]* test/,/^$/s/^\[  SKIPPED \] \([^0-9 ][^ ]*\)$/\1/p' |
            sort -u | tr '\n' ' ' | sed 's/ $//')
    p=${p:-0}; f=${f:-0}; k=${k:-0}
    # a crash prints no FAILED line: count it
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + k))
    line="$(basename "$t"): $p passed"
    [ "$f" -gt 0 ] && line="$line, $f failed"
    [ "$k" -gt 0 ] && line="$line, $k skipped ($names)"
    if [ "$rc" -ne 0 ]; then
        status=1
        printf '%s\n' "$out"
        printf '  FAIL  %s (exit status %d)\n' "$line" "$rc"
    else
        [ "${V:-0}" = 1 ] && printf '%s\n' "$out"
        printf '  ok    %s\n' "$line"
    fi
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
