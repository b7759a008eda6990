#!/bin/sh
# test_export.sh BUILD_DIR — nnc --predict, as a user of the exported
# classifier sees it: FMNIST-CNN trained briefly on Fashion-MNIST, exported;
# the pair compiles with -std=c99 -pedantic -Wall -Wextra -Werror under gcc
# and clang (portable and SIMD variants) and for a Cortex-M4; it fits 1 MiB
# of flash; on 1,000 test images it agrees with the trainer's predict within
# 1e-5 (the SIMD variant to the bit), also from two threads with two arenas;
# on an emulated Cortex-M4 (QEMU mps2-an386) it prints the host's classes for
# 100 images; weights of another model are refused with both hashes and no
# file is written; examples/embed builds and classifies PNG files; the arena
# is no larger than the two largest live activations plus scratch.
set -u
BUILD=${1:?usage: test_export.sh BUILD_DIR}
ROOT=$(pwd)
NNC=$ROOT/$BUILD/nnc
FM=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     /' "$tmp/out" | tail -15; }
run() { name=$1; shift; if "$@" > "$tmp/out" 2>&1; then ok "$name"; else bad "$name"; fi; }
C99="-std=c99 -pedantic -Wall -Wextra -Werror -O2"
RT="$ROOT/$BUILD/libnncrt.a -lpng -ljpeg -ljansson -lcairo -lfontconfig -lz -lm -fopenmp ${NNC_CFLAGS:-}"   # the sanitizers libnncrt.a was built with

cd "$tmp"
"$NNC" build "$ROOT/examples/fashion_mnist.yaml" -o trainer > out 2>&1 || bad "nnc build"
run "fit 3,000 images" ./trainer fit --data "$FM/train-images-idx3-ubyte.gz" --limit 3000 \
    --epochs 1 --val "$FM/t10k-images-idx3-ubyte.gz" --weights w.safetensors
run "nnc --predict" "$NNC" "$ROOT/examples/fashion_mnist.yaml" --predict --weights w.safetensors \
    --prefix exp -o classifier.c
# the arena: no larger than the two largest activations alive at once (in this
# chain of layers, one layer's input and output: the largest neighbouring pair of
# nnc check's layer table, 4 bytes a float) plus scratch (max pooling's window
# positions, a byte an output, 64-byte aligned), and the header says the same
"$NNC" check "$ROOT/examples/fashion_mnist.yaml" > check.out 2>&1
bound=$(awk -F'[()]' '/^l[0-9]+_/ { split($4, d, ", "); n = 1; for (i = 2; i in d; i++) n *= d[i];
        if (k++ && prev + n * 4 > pair) pair = prev + n * 4; prev = n * 4
        if ($0 ~ /max_pooling2d/) s += int((n + 63) / 64) * 64 }
        END { print pair + s }' check.out)
arena=$(sed -n 's/^Export (--predict): RAM \([0-9]*\) bytes.*/\1/p' check.out)
header=$(sed -n 's/^#define EXP_ARENA_BYTES \([0-9]*\)$/\1/p' classifier.h)
sed -n '/^Memory plan/,/arena:/p' check.out | sed 's/^/     /'
echo "     bound: the two largest live activations plus scratch, $bound bytes"
if [ -n "$arena" ] && [ -n "$bound" ] && [ "$arena" = "$header" ] && [ "$arena" -le "$bound" ] &&
   grep -q '^  arena: .* alive at once' check.out; then
    ok "FMNIST-CNN arena ($arena bytes) within the two largest live activations plus scratch ($bound), as the header says"
else
    bad "FMNIST-CNN arena (${arena:-?} bytes, header ${header:-?}) within the two largest live activations plus scratch (${bound:-?})"
fi
for cc in gcc clang; do
    run "$cc $C99: portable kernels" $cc $C99 -c classifier.c -o cls_$cc.o
    run "$cc $C99: SIMD kernels (EXP_SIMD)" $cc $C99 -march=native -DEXP_SIMD -c classifier.c \
        -o simd_$cc.o
done

# against the trainer it came from
"$NNC" "$ROOT/examples/fashion_mnist.yaml" -o trainer_src.c > out 2>&1
cc -std=c11 -D_GNU_SOURCE -O2 -march=native -fopenmp -fno-math-errno -I"$ROOT/runtime" \
    -DNNC_NO_MAIN -c trainer_src.c -o trainer.o
for v in cls_gcc:1e-5 simd_gcc:0; do
    obj=${v%%:*} tol=${v#*:}
    cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -I"$ROOT/runtime" -I. \
        "$ROOT/tests/test_export.c" $obj.o trainer.o $RT -lpthread -o test_$obj > out 2>&1 ||
        bad "build test_export ($obj)"
    run "$obj against the trainer's predict, 1,000 images, tolerance $tol" \
        ./test_$obj w.safetensors "$FM/t10k-images-idx3-ubyte.gz" 1000 $tol
    sed 's/^/     /' out
done

# refusals: another architecture, and no file on any error
sed 's/units: 128/units: 64/' "$ROOT/examples/fashion_mnist.yaml" > other.yaml
"$NNC" build other.yaml -o other > out 2>&1
./other fit --data "$FM/train-images-idx3-ubyte.gz" --limit 50 --epochs 1 \
    --val "$FM/t10k-images-idx3-ubyte.gz" --weights other.safetensors > out 2>&1
if "$NNC" "$ROOT/examples/fashion_mnist.yaml" --predict --weights other.safetensors -o x.c > out 2>&1; then
    bad "weights of another model refused"
elif grep -q "$(sed -n 's/.*model_hash = "\([0-9a-f]*\)".*/\1/p' trainer_src.c)" out && [ ! -e x.c ] && [ ! -e x.h ]; then
    ok "weights of another model refused, both hashes named, no file written"
else bad "weights of another model refused, both hashes named, no file written"; fi
if "$NNC" "$ROOT/examples/fashion_mnist.yaml" --predict --weights w.safetensors --prefix 9x -o y.c > out 2>&1 ||
   [ -e y.c ]; then bad "--prefix 9x refused"; else ok "--prefix 9x refused"; fi

# examples/embed: a program of the user's, reading PNG files. Its makes run
# without this make's MAKEFLAGS: make test-asan's CFLAGS=-O1 would override
# theirs (the Cortex-M4's -mthumb -mcpu=cortex-m4 with it).
unset MAKEFLAGS MFLAGS MAKELEVEL
cp -r "$ROOT/examples/embed" embed
"$ROOT/$BUILD/idx2png" "$FM/t10k-images-idx3-ubyte.gz" "$FM/t10k-labels-idx1-ubyte.gz" png \
    T-shirt_top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle_boot --limit 6 > out 2>&1
run "examples/embed builds" make -s -C embed NNC="$NNC" SPEC="$ROOT/examples/fashion_mnist.yaml" \
    WEIGHTS="$tmp/w.safetensors"
run "examples/embed classifies PNG files" sh -c "./embed/classify png/*/*.png | grep -c ': ' | grep -qx 6"
sed 's/^/     /' out

# a Cortex-M4, bare metal, on QEMU
if ! command -v arm-none-eabi-gcc > /dev/null || ! command -v qemu-system-arm > /dev/null; then
    echo "skip Cortex-M4: arm-none-eabi-gcc or qemu-system-arm missing (gcc-arm-none-eabi, qemu-system-arm)"
else
    cp -r "$ROOT/examples/embed/cortex-m" cm
    V="NNC=$NNC SPEC=$ROOT/examples/fashion_mnist.yaml WEIGHTS=$tmp/w.safetensors"
    run "arm-none-eabi-gcc -mcpu=cortex-m4 -Os: classifier and firmware" make -s -C cm $V
    size=$(arm-none-eabi-size cm/classifier.o | awk 'NR == 2 {print $1 + $2}')
    echo "     arm-none-eabi-size: classifier.o text+data $size bytes (flash), bss $(arm-none-eabi-size cm/classifier.o | awk 'NR == 2 {print $3}') bytes (RAM)"
    if [ -n "$size" ] && [ "$size" -le 1048576 ]; then ok "FMNIST-CNN fits 1 MiB of flash"; else bad "FMNIST-CNN fits 1 MiB of flash"; fi
    gzip -dc "$FM/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c 78400 > cm/images.bin
    (cd cm && timeout 300 qemu-system-arm -machine mps2-an386 -nographic \
        -semihosting-config enable=on,target=native -kernel firmware.elf > ../board.out 2> ../board.txt)
    # (QEMU writes the board's semihosting output to its stderr)
    cc $C99 -I"$ROOT/examples/embed/cortex-m" -Icm "$ROOT/examples/embed/cortex-m/main.c" \
        "$ROOT/tests/semihost_host.c" cm/classifier.c -lm -o host_board
    (cd cm && ../host_board > ../host.txt)
    cut -d' ' -f1-3 board.txt > board.cls; cut -d' ' -f1-3 host.txt > host.cls
    lines=$(wc -l < board.cls)
    echo "     emulated Cortex-M4: $lines images classified"
    if [ "$lines" -eq 100 ] && cmp -s board.cls host.cls; then ok "Cortex-M4 (QEMU mps2-an386) prints the host's classes for 100 images"
    else diff board.cls host.cls > out; bad "Cortex-M4 (QEMU mps2-an386) prints the host's classes for 100 images"; fi
fi


# a graph that is not a chain: a small residual network (conv2d, add, average
# pooling, concatenate, global average pooling, dense), through fit with
# validation, evaluate (twice: the same output), predict and the export
RS="$ROOT/tests/specs/export_residual.yaml"
mkdir graph && cd graph # its own classifier.h, which tests/test_export.c includes
"$NNC" build "$RS" -o res > out 2>&1 || bad "nnc build (residual)"
run "residual: fit 2,000 images with validation" ./res fit --data "$FM/train-images-idx3-ubyte.gz" \
    --limit 2000 --epochs 1 --val "$FM/t10k-images-idx3-ubyte.gz" --weights rw.safetensors
if grep -q "val_accuracy" "$tmp/out"; then ok "residual: validation ran"; else bad "residual: validation ran"; fi
./res evaluate --data "$FM/t10k-images-idx3-ubyte.gz" --limit 300 --weights rw.safetensors > ev1 2>&1
./res evaluate --data "$FM/t10k-images-idx3-ubyte.gz" --limit 300 --weights rw.safetensors > ev2 2>&1
if grep -q "300 samples - loss" ev1 && cmp -s ev1 ev2; then ok "residual: evaluate, twice the same"
else cp ev1 "$tmp/out"; bad "residual: evaluate, twice the same"; fi
run "residual: predict PNG files" sh -c "./res predict --weights rw.safetensors ../png/*/*.png | grep -c ': ' | grep -qx 6"
run "residual: summary has Connected to" sh -c "./res summary | grep -q 'l05_add (add).*l02_conv2d, l04_conv2d'"
run "residual: nnc --predict" "$NNC" "$RS" --predict --weights rw.safetensors --prefix exp -o classifier.c
run "residual: gcc $C99: portable kernels" gcc $C99 -c classifier.c -o res_cls.o
run "residual: gcc $C99: SIMD kernels (EXP_SIMD)" gcc $C99 -march=native -DEXP_SIMD -c classifier.c -o res_simd.o
"$NNC" "$RS" -o res_src.c > out 2>&1
cc -std=c11 -D_GNU_SOURCE -O2 -march=native -fopenmp -fno-math-errno -I"$ROOT/runtime" \
    -DNNC_NO_MAIN -c res_src.c -o res_trainer.o
for v in res_cls:1e-5 res_simd:0; do
    obj=${v%%:*} tol=${v#*:}
    cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -I"$ROOT/runtime" -I. \
        "$ROOT/tests/test_export.c" $obj.o res_trainer.o $RT -lpthread -o test_$obj > out 2>&1 ||
        bad "build test_export ($obj)"
    run "residual: $obj against the trainer's predict, 1,000 images, tolerance $tol" \
        ./test_$obj rw.safetensors "$FM/t10k-images-idx3-ubyte.gz" 1000 $tol
    sed 's/^/     /' "$tmp/out"
done
cd "$tmp"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
