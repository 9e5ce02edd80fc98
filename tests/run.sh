#!/bin/sh
# Runs each cmocka test binary given as an argument and prints one closing line,
# "tests: N passed, M failed", summed over all of them. Exit status 1 if any failed.
passed=0; failed=0; status=0
for t in "$@"; do
    out=$("$t" 2>&1); rc=$?
    printf '%s\n' "$out"
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
    if [ "$rc" -ne 0 ]; then
        status=1
        # a crash prints no FAILED line: count it
        [ -z "$f" ] && failed=$((failed + 1))
    fi
done
echo "tests: $passed passed, $failed failed"
exit $status
