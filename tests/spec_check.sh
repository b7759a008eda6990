# spec_check.sh — sourced by the spec-error suites (test_spec_errors.sh,
# test_augment_errors.sh, test_data_spec.sh): NNC, a scratch $dir, counters,
# and check(), which feeds a spec to `nnc check` and expects its error.
NNC=${1:?usage: $0 path/to/nnc}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0 fail=0

# check NAME LINE:COL TEXT: the spec on stdin is refused with exit 1 and an
# error at LINE:COL (empty for a file-level error) whose message holds TEXT
check() {
    cat > "$dir/$1.yaml"
    out=$("$NNC" check "$dir/$1.yaml" 2>&1)
    rc=$?
    where="$dir/$1.yaml:$2: error: "
    [ -z "$2" ] && where="$dir/$1.yaml: error: "
    if [ $rc -eq 1 ] && printf '%s' "$out" | grep -qF "$where" &&
       printf '%s' "$out" | grep -qF -- "$3"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $1: expected exit 1 and '$1.yaml:$2: error: ...$3', got exit $rc:"
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
}
