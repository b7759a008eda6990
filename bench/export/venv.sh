#!/bin/sh
# venv.sh VENV — the benchmark-only virtual environment of make bench-export:
# onnx and onnxruntime from PyPI (NumPy comes with them), installed once
# (VENV/.installed marks it). When pip cannot install them the reason is
# printed and run.py skips the ONNX Runtime rows. Never fails the make.
set -u
VENV=$1
[ -e "$VENV/.installed" ] && exit 0
if [ ! -x "$VENV/bin/python" ] && ! /usr/bin/python3 -m venv "$VENV"; then
    echo "bench-export: cannot create a venv with /usr/bin/python3 (Debian: python3-venv);" \
         "the ONNX Runtime rows will be skipped"
    rm -rf "$VENV"
    exit 0
fi
echo "bench-export: installing onnx and onnxruntime from PyPI into $VENV (once; log: $VENV/pip.log)"
if "$VENV/bin/pip" install --progress-bar off onnx onnxruntime > "$VENV/pip.log" 2>&1; then
    touch "$VENV/.installed"
else
    echo "bench-export: pip could not install onnx and onnxruntime; their rows will be skipped." \
         "pip said:"
    tail -n 3 "$VENV/pip.log" | sed 's/^/  /'
fi
exit 0
