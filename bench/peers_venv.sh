#!/bin/sh
# peers_venv.sh VENV — the benchmark-only virtual environment of make
# bench-peers: the current torch and tensorflow-cpu (which brings Keras 3)
# from PyPI, each installed once (VENV/.installed-PKG marks it). A package
# that cannot be installed is reported with the end of pip's log and left
# out: peers.py then prints why its rows are missing. Never fails the make.
set -u
VENV=$1
if [ ! -x "$VENV/bin/python" ]; then
    echo "bench-peers: creating $VENV"
    if ! /usr/bin/python3 -m venv "$VENV"; then
        echo "bench-peers: cannot create a venv with /usr/bin/python3 (Debian: python3-venv);" \
             "the PyTorch 2 and Keras rows will be skipped"
        rm -rf "$VENV"
        exit 0
    fi
fi
for pkg in torch tensorflow-cpu; do
    [ -e "$VENV/.installed-$pkg" ] && continue
    echo "bench-peers: installing $pkg from PyPI into $VENV (once; log: $VENV/pip-$pkg.log)"
    if "$VENV/bin/pip" install --progress-bar off "$pkg" > "$VENV/pip-$pkg.log" 2>&1; then
        touch "$VENV/.installed-$pkg"
    else
        echo "bench-peers: pip could not install $pkg; its rows will be skipped. pip said:"
        tail -n 3 "$VENV/pip-$pkg.log" | sed 's/^/  /'
    fi
done
exit 0
