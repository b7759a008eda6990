#!/bin/sh
# test_fuzz.sh BUILD_DIR SECONDS [keep] — every libFuzzer target in BUILD/fuzz:
# first its committed corpus (fuzz/corpus/NAME) replayed, each input once (a
# regression test: an input that once crashed stays in the corpus), then
# SECONDS of new inputs. With "keep" (make fuzz) new corpus entries stay in
# BUILD/fuzz-corpus/NAME; otherwise they go to a temporary folder. A crash
# leaves its input beside them (crash-*, leak-*, timeout-*) and fails.
set -u
BUILD=${1:?usage: test_fuzz.sh BUILD_DIR SECONDS [keep]}
SECS=${2:-5}
KEEP=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for bin in "$BUILD"/fuzz/*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    corpus=fuzz/corpus/$name
    if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then
        fail=$((fail + 1)); echo "FAIL $name: no seed corpus in $corpus"; continue
    fi
    out=$tmp/$name.log
    # replay: each committed input once
    if "$bin" -rss_limit_mb=2048 -timeout=10 -close_fd_mask=3 "$corpus"/* > "$out" 2>&1; then
        pass=$((pass + 1)); echo "ok   $name: corpus of $(ls "$corpus" | wc -l) inputs replayed"
    else
        fail=$((fail + 1)); echo "FAIL $name: corpus replay"; tail -30 "$out"
    fi
    new=$tmp/corpus-$name
    [ -n "$KEEP" ] && new=$BUILD/fuzz-corpus/$name
    mkdir -p "$new" "$tmp/art-$name"
    dict=; [ -f fuzz/$name.dict ] && dict=-dict=fuzz/$name.dict
    if "$bin" -rss_limit_mb=2048 -timeout=10 -close_fd_mask=3 -max_total_time="$SECS" $dict \
           -print_final_stats=1 -artifact_prefix="$tmp/art-$name/" "$new" "$corpus" > "$out" 2>&1; then
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out")
        pass=$((pass + 1)); echo "ok   $name: ${SECS}s of new inputs, ${execs:-?} executions"
    else
        fail=$((fail + 1)); echo "FAIL $name: fuzzing found a problem"; tail -40 "$out"
        [ -n "$KEEP" ] && cp "$tmp/art-$name"/* "$BUILD/" 2>/dev/null
    fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
