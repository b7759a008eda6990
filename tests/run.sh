#!/bin/sh
# run.sh SUITE... — runs each test suite (a cmocka binary, or a command whose
# last line is "N passed, N failed"), shows its output, and ends with one
# summary line over all of them. A suite that exits non-zero, or that reports
# no case at all, counts as a failure.
set -u
total_pass=0 total_fail=0 failed_suites=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for suite in "$@"; do
    echo "== $suite"
    sh -c "$suite" > "$log" 2>&1
    rc=$?
    cat "$log"
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    last=$(tail -n 1 "$log")
    case "$last" in
    *" passed, "*" failed"*)
        p=$((p + $(echo "$last" | sed 's/.*\b\([0-9][0-9]*\) passed.*/\1/')))
        f=$((f + $(echo "$last" | sed 's/.* \([0-9][0-9]*\) failed.*/\1/')));;
    esac
    if [ $rc -ne 0 ] && [ $f -eq 0 ]; then
        f=1
    fi
    if [ $((p + f)) -eq 0 ]; then
        echo "suite reported no test case"
        f=1
    fi
    [ $f -ne 0 ] && failed_suites="$failed_suites\n  $suite"
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
done
if [ -n "$failed_suites" ]; then
    printf "failed suites:$failed_suites\n"
fi
echo "$total_pass passed, $total_fail failed"
[ $total_fail -eq 0 ]
