#!/bin/sh
# test_templates.sh — every template in templates/ is real C: it compiles on its
# own (with the defaults in its nnc:defaults block) under gcc and clang.
set -u
pass=0 fail=0
for t in templates/*.c; do
    [ "$t" = templates/prelude.c ] && continue
    for cc in gcc clang; do
        if $cc -std=c11 -Wall -Wextra -Werror -Wno-unused-function -fopenmp -fsyntax-only \
               -Itemplates "$t"; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            echo "FAIL $cc $t"
        fi
    done
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
