#!/bin/sh
# test_docs.sh NNC — the docs say what the product does: every full spec in a
# ```yaml block of README.md and spec/*.md passes `nnc check`; every block
# introduced by "`nnc check FILE` prints:" is exactly what nnc check FILE
# prints; every "Memory plan: N bytes at batch B" figure in them is one that
# nnc check prints for an example spec.
set -u
NNC=${1:?usage: test_docs.sh NNC}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     /' "$tmp/out" | head -20; }

# Split every doc into numbered blocks: $tmp/DOC.N.yaml (```yaml blocks) and
# $tmp/DOC.N.check (a plain ``` block after "`nnc check FILE` prints"; FILE in .cmd).
for doc in README.md spec/*.md; do
    d=$(echo "$doc" | tr '/' '_')
    awk -v pre="$tmp/$d" '
        /^```yaml/ { n++; out = pre "." n ".yaml"; inb = 1; next }
        /^```/ && inb { inb = 0; next }
        /^```/ && want { n++; out = pre "." n ".check"; print file > (pre "." n ".cmd"); inb = 1; want = 0; next }
        inb { print > out; next }
        /`nnc check [^`]*` prints/ { match($0, /`nnc check [^`]*`/); file = substr($0, RSTART + 11, RLENGTH - 12); want = 1; next }
        NF { want = 0 }
    ' "$doc"
done

specs=0
for y in "$tmp"/*.yaml; do
    [ -f "$y" ] || continue
    grep -q '^input:' "$y" && grep -q '^layers:' "$y" || continue
    specs=$((specs + 1))
    name=$(basename "$y")
    if "$NNC" check "$y" > "$tmp/out" 2>&1; then ok "nnc check accepts $name"; else bad "nnc check accepts $name"; fi
done
[ $specs -gt 0 ] || bad "no full spec found in the docs"

for c in "$tmp"/*.check; do
    [ -f "$c" ] || continue
    file=$(cat "${c%.check}.cmd")
    "$NNC" check "$file" > "$tmp/actual" 2>&1
    if diff -u "$c" "$tmp/actual" > "$tmp/out"; then ok "$(basename "$c"): nnc check $file as documented"
    else bad "$(basename "$c"): nnc check $file as documented"; fi
done

for ex in examples/*.yaml; do "$NNC" check "$ex" 2>/dev/null; done | grep -o 'Memory plan: [0-9]* bytes at batch [0-9]*' > "$tmp/plans"
grep -oh 'Memory plan: [0-9]* bytes at batch [0-9]*' README.md spec/*.md | sort -u > "$tmp/quoted"
while read -r q; do
    if grep -qxF "$q" "$tmp/plans"; then ok "documented '$q'"; else : > "$tmp/out"; bad "documented '$q' is not what nnc check prints for any example"; fi
done < "$tmp/quoted"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
