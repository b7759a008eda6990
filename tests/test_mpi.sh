#!/bin/sh
# test_mpi.sh BUILD_DIR — a distributed fit (spec/distributed.md) gives the
# weights of one process bit for bit: the Fashion-MNIST example trained for
# one epoch on 1,000 images (31 full batches and one of 8, which only some
# ranks share) by 1, 2 and 4 ranks of one thread each and by the plain
# trainer; 2 ranks for epoch 1 then 1 rank resuming for epoch 2 equals 2
# epochs of one process; mnist_convnet (dropout, validation_split, batch
# 128) over 4 ranks equals one process; evaluate over 2 ranks prints what one process
# prints; a rank count the batch cannot be split by is refused; a rank that
# fails or dies ends the job, naming the rank, with no weights file written.
# Two ranks in two network namespaces (a veth pair, TCP) where ip netns is
# allowed. Skipped (with the reason) where Open MPI is not installed.
set -u
BUILD=${1:?usage: test_mpi.sh BUILD_DIR}
ROOT=$(pwd)
NNC=$ROOT/$BUILD/nnc
FM=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
pass=0 fail=0
if ! command -v mpirun >/dev/null 2>&1 || ! command -v mpicc >/dev/null 2>&1; then
    echo "skipped: mpirun and mpicc not found (Debian: apt-get install openmpi-bin libopenmpi-dev)"
    echo "0 passed, 0 failed"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     /' "$tmp/out" | tail -20; }
run() { name=$1; shift; if "$@" > "$tmp/out" 2>&1; then ok "$name"; else bad "$name"; fi; }
# Open MPI refuses root without these; one thread per rank on a small machine
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
MPIRUN="mpirun --oversubscribe --bind-to none"

# Open MPI keeps memory until exit: LeakSanitizer (make test-asan) would fail every rank
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
run "make libnncrt_mpi.a" make -s BUILD="$BUILD" "$BUILD/libnncrt_mpi.a" "$BUILD/idx_subset"
cd "$tmp" || exit 1
run "nnc build" "$NNC" build "$ROOT/examples/fashion_mnist.yaml" -o fm
run "nnc build --mpi" "$NNC" build --mpi "$ROOT/examples/fashion_mnist.yaml" -o fm_mpi
run "validation subset" "$ROOT/$BUILD/idx_subset" "$FM/t10k-images-idx3-ubyte.gz" \
    "$FM/t10k-labels-idx1-ubyte.gz" val 300 1 0
DATA="--data $FM/train-images-idx3-ubyte.gz --limit 1000 --val val-images-idx3-ubyte --threads 1"

run "fit, one process" ./fm fit $DATA --epochs 1 --weights plain.safetensors
for np in 1 2 4; do
    run "fit, $np ranks" $MPIRUN -np $np ./fm_mpi fit $DATA --epochs 1 --weights r$np.safetensors
    run "$np ranks: the one process's weights file, byte for byte" \
        cmp plain.safetensors r$np.safetensors
done
run "4 ranks: the same history CSV" cmp plain.history.csv r4.history.csv
grep -q "val_accuracy" r4.history.csv && ok "history has validation" || bad "history has validation"

# resume with another rank count
run "fit 2 epochs, one process" ./fm fit $DATA --epochs 2 --weights plain2.safetensors
cp r2.safetensors resumed.safetensors
run "resume with 1 rank" $MPIRUN -np 1 ./fm_mpi fit $DATA --epochs 2 --resume \
    --weights resumed.safetensors
run "2 ranks then 1 rank == 2 epochs of one process" cmp plain2.safetensors resumed.safetensors
cp plain.safetensors resumed4.safetensors
run "resume with 4 ranks" $MPIRUN -np 4 ./fm_mpi fit $DATA --epochs 2 --resume \
    --weights resumed4.safetensors
run "1 process then 4 ranks == 2 epochs of one process" cmp plain2.safetensors resumed4.safetensors

# sharded updates (spec/distributed.md): an interrupt mid-epoch checkpoints
# the slots gathered whole; AdamW's decay and clipvalue on a rank's shard;
# clipnorm, which needs every gradient, updates all on every rank
NNCRT_RAISE_AT=1:17:2 $MPIRUN -np 2 -x NNCRT_RAISE_AT ./fm_mpi fit $DATA --epochs 2 \
    --weights intr.safetensors > "$tmp/out" 2>&1
[ $? -eq 130 ] && ok "2 ranks: SIGINT after batch 17 checkpoints" || bad "2 ranks: SIGINT after batch 17 checkpoints"
run "resume the interrupted 2 ranks with 2 ranks" $MPIRUN -np 2 ./fm_mpi fit $DATA --epochs 2 \
    --resume --weights intr.safetensors
run "interrupted and resumed == 2 epochs of one process" cmp plain2.safetensors intr.safetensors
for opt in "adamw: {learning_rate: 0.001, weight_decay: 0.004, clipvalue: 0.01}" \
           "sgd: {learning_rate: 0.01, momentum: 0.9, clipnorm: 0.5}"; do
    o=${opt%%:*}   # not $name: run() sets that
    sed "s/^optimizer: .*/optimizer: {$opt}/" "$ROOT/examples/fashion_mnist.yaml" > $o.yaml
    "$NNC" build $o.yaml -o $o > /dev/null 2>&1 &&
        "$NNC" build --mpi $o.yaml -o ${o}_mpi > /dev/null 2>&1 ||
        bad "nnc build $o"
    run "$o, one process" ./$o fit $DATA --epochs 1 --weights $o.1.safetensors
    run "$o, 4 ranks" $MPIRUN -np 4 ./${o}_mpi fit $DATA --epochs 1 --weights $o.4.safetensors
    run "$o ($opt): 4 ranks == one process" cmp $o.1.safetensors $o.4.safetensors
done
"$NNC" adamw.yaml -o adamw.c > /dev/null 2>&1; "$NNC" sgd.yaml -o sgd.c > /dev/null 2>&1
if grep -q "#define NNC_OPT_SHARDABLE 1" adamw.c && grep -q "#define NNC_OPT_SHARDABLE 0" sgd.c
then ok "adamw shards its update, clipnorm does not"; else bad "adamw shards its update, clipnorm does not"; fi

# evaluate: the ranks split the batches, rank 0 prints the same report
./fm evaluate --data val-images-idx3-ubyte --weights plain.safetensors --threads 1 > ev1 2>&1
$MPIRUN -np 2 ./fm_mpi evaluate --data val-images-idx3-ubyte --weights plain.safetensors \
    --threads 1 > ev2 2>&1
run "evaluate over 2 ranks prints what one process prints" cmp ev1 ev2

# a rank count that does not split the batch's sample groups
$MPIRUN -np 3 ./fm_mpi fit $DATA --epochs 1 --weights three.safetensors > "$tmp/out" 2>&1
if [ $? -ne 0 ] && grep -q "3 ranks: a batch of 32 is summed from 8 sample groups" "$tmp/out" &&
   [ ! -e three.safetensors ]; then ok "3 ranks refused"; else bad "3 ranks refused"; fi

# dropout (masks keyed by sample id), validation_split, batch 128: examples/mnist_convnet.yaml
run "nnc build mnist_convnet" "$NNC" build "$ROOT/examples/mnist_convnet.yaml" -o mc
run "nnc build --mpi mnist_convnet" "$NNC" build --mpi "$ROOT/examples/mnist_convnet.yaml" -o mc_mpi
MC="fit --data $FM/train-images-idx3-ubyte.gz --limit 1000 --epochs 1 --threads 1"
run "mnist_convnet, one process" ./mc $MC --weights mc1.safetensors
run "mnist_convnet, 4 ranks" $MPIRUN -np 4 ./mc_mpi $MC --weights mc4.safetensors
run "mnist_convnet (dropout): 4 ranks == one process" cmp mc1.safetensors mc4.safetensors

# batch statistics are per rank: such a model refuses ranks
run "nnc build --mpi, batch_normalization" "$NNC" build --mpi "$ROOT/tests/specs/bn_e2e.yaml" -o bn_mpi
$MPIRUN -np 2 ./bn_mpi fit $DATA --epochs 1 --weights bn.safetensors > "$tmp/out" 2>&1
if [ $? -ne 0 ] && grep -q "batch statistics (batch_normalization) or parameter gradients" "$tmp/out" &&
   [ ! -e bn.safetensors ]; then ok "batch_normalization refuses 2 ranks"
else bad "batch_normalization refuses 2 ranks"; fi

# a depthwise/separable/grouped conv's kernel gradient is not summed by the tree yet
run "nnc build --mpi, separable_conv2d" "$NNC" build --mpi "$ROOT/tests/specs/sep_chain.yaml" -o sep_mpi
$MPIRUN -np 2 ./sep_mpi fit $DATA --epochs 1 --weights sep.safetensors > "$tmp/out" 2>&1
if [ $? -ne 0 ] && grep -q "parameter gradients (depthwise_conv2d" "$tmp/out" &&
   [ ! -e sep.safetensors ]; then ok "separable_conv2d refuses 2 ranks"
else bad "separable_conv2d refuses 2 ranks"; fi

# a rank that fails (its data cannot be read) ends the job, naming it
$MPIRUN -np 1 ./fm_mpi fit $DATA --epochs 1 --weights failed.safetensors : \
    -np 1 ./fm_mpi fit --data missing-images --epochs 1 --weights failed.safetensors \
    > "$tmp/out" 2>&1
if [ $? -ne 0 ] && grep -q "rank 1 of 2: fit failed" "$tmp/out" && [ ! -e failed.safetensors ]
then ok "a failing rank ends the job"; else bad "a failing rank ends the job"; fi
# a rank killed mid-epoch: mpirun ends the job and names it; no weights file
KILL="fit --data $FM/train-images-idx3-ubyte.gz --limit 20000 --val val-images-idx3-ubyte \
    --epochs 1 --threads 1 --weights killed.safetensors"
$MPIRUN -np 1 ./fm_mpi $KILL : -np 1 timeout -s KILL 1 ./fm_mpi $KILL > "$tmp/out" 2>&1
if [ $? -ne 0 ] && grep -q "rank 1 .*signal 9" "$tmp/out" && [ ! -e killed.safetensors ]
then ok "a killed rank ends the job"; else bad "a killed rank ends the job"; fi

# two "hosts": network namespaces joined by a veth pair, Open MPI over TCP
# between them, mpirun reaching the other namespace through an rsh agent
# (README.md, "Training on several machines"); skipped where the container
# does not let us make namespaces
nsa=nncmpia$$ nsb=nncmpib$$
netns_down() { ip netns del $nsa 2>/dev/null; ip netns del $nsb 2>/dev/null; }
trap 'netns_down; rm -rf "$tmp"' EXIT
if command -v ip >/dev/null 2>&1 && ip netns add $nsa 2>/dev/null && ip netns add $nsb &&
   ip link add va$$ type veth peer name vb$$ && ip link set va$$ netns $nsa &&
   ip link set vb$$ netns $nsb && ip -n $nsa addr add 10.77.0.1/24 dev va$$ &&
   ip -n $nsb addr add 10.77.0.2/24 dev vb$$ && ip -n $nsa link set va$$ up &&
   ip -n $nsb link set vb$$ up && ip -n $nsa link set lo up && ip -n $nsb link set lo up; then
    cat > agent.sh <<AGENT
#!/bin/sh
host=\$1; shift
case \$host in 10.77.0.1) ns=$nsa ;; 10.77.0.2) ns=$nsb ;; *) exit 1 ;; esac
exec ip netns exec \$ns sh -c "\$*"
AGENT
    chmod +x agent.sh
    printf '10.77.0.1 slots=1\n10.77.0.2 slots=1\n' > hosts
    run "2 ranks in two network namespaces over TCP" timeout 120 ip netns exec $nsa \
        mpirun --hostfile hosts -np 2 --mca plm_rsh_agent "$tmp/agent.sh" --mca btl tcp,self \
        --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 \
        -x OMP_NUM_THREADS ./fm_mpi fit $DATA --epochs 1 --weights "$tmp/net.safetensors"
    run "two namespaces: the one process's weights file" cmp plain.safetensors net.safetensors
else
    echo "skipped: two network namespaces (ip netns add, veth) are not permitted here"
fi
netns_down

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
