# nnc — build, test, demo. See README.md.
PREFIX   ?= /usr/local
CC       ?= cc
BUILD    := build
VERSION  := 0.1.0

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
ALLCFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS)
SANFLAGS ?=

COMPILER_SRC := $(wildcard compiler/*.c compiler/ops/*.c)
RUNTIME_SRC  := $(wildcard runtime/*.c)
TEMPLATES    := $(wildcard templates/*.c)

.PHONY: all test test-suites test-asan demo install clean deps

all: $(BUILD)/nnc $(BUILD)/libnncrt.a

# --- Debian packages ----------------------------------------------------------
# Installed when missing and run as root; otherwise the exact command is printed.
DEB_PACKAGES := gcc make clang libomp-dev libyaml-dev libpng-dev zlib1g-dev libsimde-dev \
                libcmocka-dev dataset-fashion-mnist libjpeg62-turbo-dev libclang-rt-14-dev \
                libfuzzer-14-dev gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm libjansson-dev \
                libcairo2-dev libfontconfig-dev \
                openmpi-bin libopenmpi-dev
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing Debian packages; run as root:"; \
	    echo "  apt-get update && apt-get install -y" $$missing; exit 1; \
	  fi; \
	fi

# --- compiler -------------------------------------------------------------
$(BUILD)/templates_embed.c: $(TEMPLATES) compiler/embed_templates.sh | $(BUILD)
	sh compiler/embed_templates.sh $(TEMPLATES) > $@

# nnc reads weights files (--predict) with libnncrt's own loader
$(BUILD)/nnc: $(COMPILER_SRC) $(wildcard compiler/*.h compiler/ops/*.h) $(BUILD)/templates_embed.c runtime/nncrt.h $(BUILD)/libnncrt.a
	$(CC) $(ALLCFLAGS) -Icompiler -Iruntime -DNNC_VERSION='"$(VERSION)"' \
	  -DNNC_DEFAULT_PREFIX='"$(PREFIX)"' -o $@ $(COMPILER_SRC) $(BUILD)/templates_embed.c \
	  $(BUILD)/libnncrt.a -lyaml -ljansson -lm

# --- runtime --------------------------------------------------------------
# What a program linked with libnncrt.a needs besides it; compiler/build.c's
# link line for `nnc build` names the same libraries.
RT_LIBS     := -lpng -ljpeg -ljansson -lcairo -lfontconfig -lz -lm
RUNTIME_OBJ := $(patsubst runtime/%.c,$(BUILD)/rt/%.o,$(RUNTIME_SRC))
$(BUILD)/rt/%.o: runtime/%.c $(wildcard runtime/*.h) | $(BUILD)
	@mkdir -p $(BUILD)/rt
	$(CC) $(ALLCFLAGS) -fopenmp -Iruntime -c -o $@ $<

$(BUILD)/libnncrt.a: $(RUNTIME_OBJ)
	rm -f $@ && ar rcs $@ $^

# The same runtime as one rank of an MPI job (runtime/dist.c, spec/distributed.md):
# what `nnc build --mpi` links; built on demand, as it needs mpicc.
MPICC       ?= mpicc
RUNTIME_MPI_OBJ := $(patsubst runtime/%.c,$(BUILD)/rt_mpi/%.o,$(RUNTIME_SRC))
$(BUILD)/rt_mpi/%.o: runtime/%.c $(wildcard runtime/*.h) | $(BUILD)
	@mkdir -p $(BUILD)/rt_mpi
	$(MPICC) $(ALLCFLAGS) -fopenmp -DNNC_MPI -Iruntime -c -o $@ $<

$(BUILD)/libnncrt_mpi.a: $(RUNTIME_MPI_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD):
	mkdir -p $(BUILD)

clean:
	rm -rf $(BUILD) build-asan

# --- install ------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/nnc
	install -m 755 $(BUILD)/nnc $(DESTDIR)$(PREFIX)/bin/nnc
	install -m 644 $(BUILD)/libnncrt.a $(DESTDIR)$(PREFIX)/lib/libnncrt.a
	if [ -f $(BUILD)/libnncrt_mpi.a ]; then \
	  install -m 644 $(BUILD)/libnncrt_mpi.a $(DESTDIR)$(PREFIX)/lib/libnncrt_mpi.a; fi
	install -m 644 runtime/nncrt.h $(DESTDIR)$(PREFIX)/include/nnc/nncrt.h

# --- demo: Fashion-MNIST end to end ---------------------------------------------
FMNIST    := /usr/share/datasets/fashion-mnist
FM_CLASSES := T-shirt_top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle_boot
DEMO_DATA := data/fashion-mnist

$(DEMO_DATA)/.done: $(BUILD)/idx2png
	rm -rf $(DEMO_DATA) && mkdir -p $(DEMO_DATA)
	$(BUILD)/idx2png $(FMNIST)/train-images-idx3-ubyte.gz $(FMNIST)/train-labels-idx1-ubyte.gz \
	  $(DEMO_DATA)/train $(FM_CLASSES)
	$(BUILD)/idx2png $(FMNIST)/t10k-images-idx3-ubyte.gz $(FMNIST)/t10k-labels-idx1-ubyte.gz \
	  $(DEMO_DATA)/test $(FM_CLASSES)
	touch $@

demo: deps
	$(MAKE) all $(BUILD)/idx2png $(DEMO_DATA)/.done
	$(BUILD)/nnc check examples/fashion_mnist.yaml
	$(BUILD)/nnc build examples/fashion_mnist.yaml -o $(BUILD)/fashion_mnist
	@start=$$(date +%s); \
	$(BUILD)/fashion_mnist fit --weights $(BUILD)/fashion_mnist.safetensors && \
	echo "fit took $$(( $$(date +%s) - start )) s"
	$(BUILD)/fashion_mnist evaluate --data $(DEMO_DATA)/test --weights $(BUILD)/fashion_mnist.safetensors
	$(BUILD)/fashion_mnist predict --weights $(BUILD)/fashion_mnist.safetensors --top 3 \
	  $$(for c in Ankle_boot Trouser Shirt Bag; do ls $(DEMO_DATA)/test/$$c/*.png | head -n 1; done)

# --- compiler tests ---------------------------------------------------------
# Each suite is a cmocka binary or a script ending in "N passed, N failed";
# tests/run.sh runs them all and prints the one summary line.
TEST_CC   := $(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -march=native -fopenmp -fno-math-errno $(SANFLAGS) -Iruntime -Itests
GC_SPECS  := gc_conv gc_pool gc_pool_edge gc_logits gc_binary gc_binary_logits gc_activation gc_bn \
             gc_smooth gc_binary_smooth gc_merge gc_pool_avg gc_dropout \
             gc_depthwise gc_separable gc_conv_groups
REF_OPTS  := adam sgd rmsprop
REF_LR_adam := 0.001
REF_LR_sgd := 0.01
REF_LR_rmsprop := 0.001
REF_SPEC_adam := tests/specs/fmnist_adam.yaml
REF_SPEC_sgd := tests/specs/fmnist_sgd.yaml
REF_SPEC_rmsprop := tests/specs/fmnist_rmsprop.yaml

.SECONDARY: # keep generated test sources between runs
# double-precision builds (NNC_DOUBLE) need the scalar kernels
$(BUILD)/gen/%.c: tests/specs/%.yaml $(BUILD)/nnc
	@mkdir -p $(BUILD)/gen
	$(BUILD)/nnc $< --target scalar -o $@

$(BUILD)/gen/ref_%.c: $(BUILD)/nnc
	@mkdir -p $(BUILD)/gen
	$(BUILD)/nnc $(REF_SPEC_$*) -o $@

$(BUILD)/gen/ref_scalar_%.c: $(BUILD)/nnc
	@mkdir -p $(BUILD)/gen
	$(BUILD)/nnc $(REF_SPEC_$*) --target scalar -o $@

$(BUILD)/test_gradcheck_%: tests/test_gradcheck.c $(BUILD)/gen/%.c
	$(TEST_CC) -DNNC_DOUBLE -DNNC_NO_RUNTIME -DNNC_TRAINER='"../$(BUILD)/gen/$*.c"' -o $@ $< -lcmocka -lm

$(BUILD)/test_reference_%_float: tests/test_reference.c tests/fixture.c $(BUILD)/gen/ref_%.c
	$(TEST_CC) -DOPT='"$*"' -DLR=$(REF_LR_$*) -DNNC_TRAINER='"../$(BUILD)/gen/ref_$*.c"' -o $@ tests/test_reference.c tests/fixture.c -lcmocka -lm

$(BUILD)/test_reference_%_double: tests/test_reference.c tests/fixture.c $(BUILD)/gen/ref_scalar_%.c
	$(TEST_CC) -DNNC_DOUBLE -DOPT='"$*"' -DLR=$(REF_LR_$*) -DNNC_TRAINER='"../$(BUILD)/gen/ref_scalar_$*.c"' -o $@ tests/test_reference.c tests/fixture.c -lcmocka -lm

# Keras initializers' statistics, as emitted for tests/specs/init_stats.yaml
$(BUILD)/test_init: tests/test_init.c $(BUILD)/gen/init_stats.c
	$(TEST_CC) -DNNC_TRAINER='"../$(BUILD)/gen/init_stats.c"' -o $@ $< -lcmocka -lm

# ops against PyTorch: tests/specs/ref_NAME.yaml, its fixture by
# tests/fixtures/make_op_reference.py from tests/fixtures/opref/NAME.py
OPREF := $(patsubst tests/fixtures/opref/%.py,%,$(filter-out %/__init__.py %/common.py,$(wildcard tests/fixtures/opref/*.py)))
$(BUILD)/gen/opref_%.c: tests/specs/ref_%.yaml $(BUILD)/nnc
	@mkdir -p $(BUILD)/gen
	$(BUILD)/nnc $< -o $@
$(BUILD)/gen/opref_scalar_%.c: tests/specs/ref_%.yaml $(BUILD)/nnc
	@mkdir -p $(BUILD)/gen
	$(BUILD)/nnc $< --target scalar -o $@
$(BUILD)/test_opref_%_float: tests/test_opref.c tests/fixture.c $(BUILD)/gen/opref_%.c tests/fixtures/ref_%.safetensors
	$(TEST_CC) -DFIXTURE='"tests/fixtures/ref_$*.safetensors"' -DNNC_TRAINER='"../$(BUILD)/gen/opref_$*.c"' -o $@ tests/test_opref.c tests/fixture.c -lcmocka -lm
$(BUILD)/test_opref_%_double: tests/test_opref.c tests/fixture.c $(BUILD)/gen/opref_scalar_%.c tests/fixtures/ref_%.safetensors
	$(TEST_CC) -DNNC_DOUBLE -DFIXTURE='"tests/fixtures/ref_$*.safetensors"' -DNNC_TRAINER='"../$(BUILD)/gen/opref_scalar_$*.c"' -o $@ tests/test_opref.c tests/fixture.c -lcmocka -lm

# augmentation: the generated kernels against tests/fixtures/augment_ref.safetensors
AUG_SPECS := aug_sq aug_rect aug_crop
AUG_FLAGS_aug_sq := -DSET='"sq"' -DIMG_H=12 -DIMG_W=12
AUG_FLAGS_aug_rect := -DSET='"rect"' -DIMG_H=9 -DIMG_W=14
AUG_FLAGS_aug_crop := -DSET='"crop"' -DCROP_SPEC
$(BUILD)/test_augment_%: tests/test_augment.c tests/fixture.c $(BUILD)/gen/%.c
	$(TEST_CC) -DNNC_NO_RUNTIME $(AUG_FLAGS_$*) -DNNC_TRAINER='"../$(BUILD)/gen/$*.c"' -o $@ tests/test_augment.c tests/fixture.c -lcmocka -lm

# binary_crossentropy's values, in float and in double
$(BUILD)/test_sigmoid_bce_float: tests/test_sigmoid_bce.c templates/sigmoid_bce.c templates/prelude.c
	$(TEST_CC) -o $@ tests/test_sigmoid_bce.c -lcmocka -lm
$(BUILD)/test_sigmoid_bce_double: tests/test_sigmoid_bce.c templates/sigmoid_bce.c templates/prelude.c
	$(TEST_CC) -DNNC_DOUBLE -o $@ tests/test_sigmoid_bce.c -lcmocka -lm

# optimizers against Keras 3: tests/specs/opt_VARIANT.yaml and
# tests/fixtures/optim_ref.safetensors, both by tests/fixtures/make_keras_reference.py
OPT_VARIANTS := $(patsubst tests/specs/opt_%.yaml,%,$(wildcard tests/specs/opt_*.yaml))
$(BUILD)/test_optim_%_float: tests/test_optim.c tests/fixture.c $(BUILD)/gen/opt_%.c tests/fixtures/optim_ref.safetensors
	$(TEST_CC) -DVARIANT='"$*"' -DNNC_TRAINER='"../$(BUILD)/gen/opt_$*.c"' -o $@ tests/test_optim.c tests/fixture.c -lcmocka -lm
$(BUILD)/test_optim_%_double: tests/test_optim.c tests/fixture.c $(BUILD)/gen/opt_%.c tests/fixtures/optim_ref.safetensors
	$(TEST_CC) -DNNC_DOUBLE -DVARIANT='"$*"' -DNNC_TRAINER='"../$(BUILD)/gen/opt_$*.c"' -o $@ tests/test_optim.c tests/fixture.c -lcmocka -lm
OPT_TESTS := $(OPT_VARIANTS:%=$(BUILD)/test_optim_%_float) $(OPT_VARIANTS:%=$(BUILD)/test_optim_%_double)
# learning-rate schedules against Keras 3: tests/specs/sched_VARIANT.yaml and
# tests/fixtures/schedule_ref.safetensors, by tests/fixtures/make_schedule_reference.py;
# the float build only (the runtime's schedule is in the runtime part of the trainer)
SCHED_VARIANTS := $(patsubst tests/specs/sched_%.yaml,%,$(wildcard tests/specs/sched_*.yaml))
$(BUILD)/test_sched_%: tests/test_optim.c tests/fixture.c runtime/schedule.c $(BUILD)/gen/sched_%.c tests/fixtures/schedule_ref.safetensors
	$(TEST_CC) -DSCHEDULE -DVARIANT='"$*"' -DNNC_TRAINER='"../$(BUILD)/gen/sched_$*.c"' -o $@ tests/test_optim.c tests/fixture.c runtime/schedule.c -lcmocka -lm
OPT_TESTS += $(SCHED_VARIANTS:%=$(BUILD)/test_sched_%)
# label_smoothing and class-weighted targets against Keras 3 (the same script)
LOSS_REF_DEPS := tests/test_loss_ref.c tests/fixture.c templates/softmax_xent.c templates/sigmoid_bce.c \
                 templates/label_smoothing.c templates/prelude.c tests/fixtures/loss_ref.safetensors
$(BUILD)/test_loss_ref_cce_float: $(LOSS_REF_DEPS)
	$(TEST_CC) -o $@ tests/test_loss_ref.c tests/fixture.c -lcmocka -lm
$(BUILD)/test_loss_ref_cce_double: $(LOSS_REF_DEPS)
	$(TEST_CC) -DNNC_DOUBLE -o $@ tests/test_loss_ref.c tests/fixture.c -lcmocka -lm
$(BUILD)/test_loss_ref_bce_float: $(LOSS_REF_DEPS)
	$(TEST_CC) -DKIND_BCE -o $@ tests/test_loss_ref.c tests/fixture.c -lcmocka -lm
$(BUILD)/test_loss_ref_bce_double: $(LOSS_REF_DEPS)
	$(TEST_CC) -DKIND_BCE -DNNC_DOUBLE -o $@ tests/test_loss_ref.c tests/fixture.c -lcmocka -lm
OPT_TESTS += $(BUILD)/test_loss_ref_cce_float $(BUILD)/test_loss_ref_cce_double \
             $(BUILD)/test_loss_ref_bce_float $(BUILD)/test_loss_ref_bce_double

COMPILER_TESTS := $(GC_SPECS:%=$(BUILD)/test_gradcheck_%) \
                  $(AUG_SPECS:%=$(BUILD)/test_augment_%) \
                  $(BUILD)/test_sigmoid_bce_float $(BUILD)/test_sigmoid_bce_double \
                  $(REF_OPTS:%=$(BUILD)/test_reference_%_float) \
                  $(REF_OPTS:%=$(BUILD)/test_reference_%_double) \
                  $(OPREF:%=$(BUILD)/test_opref_%_float) $(OPREF:%=$(BUILD)/test_opref_%_double) \
                  $(OPT_TESTS) $(BUILD)/test_init

# --- runtime tests (runtime owner) -------------------------------------------
# make test-runtime: cmocka unit tests of libnncrt, then the end-to-end CLI
# tests through a hand-written toy trainer (tests/toy_model.c).
RT_LINK   := $(BUILD)/libnncrt.a $(RT_LIBS) -fopenmp
RT_HDRS   := $(wildcard runtime/*.h)

$(BUILD)/toy_trainer: tests/toy_model.c runtime/nncrt.h $(BUILD)/libnncrt.a
	$(CC) $(ALLCFLAGS) -Iruntime -o $@ tests/toy_model.c $(RT_LINK)

# the same model under another name and hash: "weights of another model" tests
$(BUILD)/toy_trainer_other: tests/toy_model.c runtime/nncrt.h $(BUILD)/libnncrt.a
	$(CC) $(ALLCFLAGS) -DTOY_OTHER -Iruntime -o $@ tests/toy_model.c $(RT_LINK)

$(BUILD)/idx2png: examples/idx2png.c | $(BUILD)
	$(CC) $(ALLCFLAGS) -o $@ examples/idx2png.c -lpng -lz

$(BUILD)/idx_subset: examples/idx_subset.c | $(BUILD)
	$(CC) $(ALLCFLAGS) -o $@ examples/idx_subset.c -lz

$(BUILD)/test_runtime: tests/test_runtime.c tests/test_data_util.c tests/test_data_util.h \
                      $(RT_HDRS) $(BUILD)/libnncrt.a
	$(CC) $(ALLCFLAGS) -Iruntime -Itests -o $@ tests/test_runtime.c tests/test_data_util.c \
	  $(RT_LINK) -lcmocka

$(BUILD)/test_metrics: tests/test_metrics.c tests/fixtures/metrics_ref.h $(RT_HDRS) $(BUILD)/libnncrt.a
	$(CC) $(ALLCFLAGS) -Iruntime -Itests -o $@ tests/test_metrics.c $(RT_LINK) -lcmocka

.PHONY: test-runtime
test-runtime: $(BUILD)/test_runtime $(BUILD)/toy_trainer $(BUILD)/toy_trainer_other $(BUILD)/idx2png
	$(BUILD)/test_runtime
	FMNIST=$(FMNIST) sh tests/test_runtime_cli.sh $(BUILD)
# --- end of runtime tests ----------------------------------------------------

# --- data loading tests (data owner) -------------------------------------------
# Decoders and resizes against tests/fixtures/data_ref.safetensors (made by
# tests/fixtures/make_data_fixtures.py), folder datasets, the cache, scan.
$(BUILD)/test_data_%: tests/test_data_%.c tests/test_data_util.c tests/test_data_util.h \
                      $(RT_HDRS) $(BUILD)/libnncrt.a
	$(CC) $(ALLCFLAGS) -Iruntime -Itests -o $@ $< tests/test_data_util.c $(RT_LINK) -lcmocka
DATA_TESTS := $(BUILD)/test_data_decode $(BUILD)/test_data_folder
DATA_SUITES := $(DATA_TESTS) "sh tests/test_data_spec.sh $(BUILD)/nnc" \
               "sh tests/test_data_cli.sh $(BUILD)"

# make bench-decode (not part of make test): decode + resize 60,000 PNGs, nnc
# with 1 and 2 threads against PIL with 1 and 2 processes.
$(BUILD)/bench_decode: bench/decode/bench_decode.c $(BUILD)/libnncrt.a
	$(CC) $(ALLCFLAGS) -Iruntime -o $@ $< $(RT_LINK)
bench-decode: $(BUILD)/bench_decode $(BUILD)/idx2png
	sh bench/decode/run.sh $(BUILD)
.PHONY: bench-decode
# --- end of data loading tests -------------------------------------------------

# --- fuzzing: libFuzzer targets in fuzz/, seed corpora in fuzz/corpus/NAME ------
# fuzz/spec.c drives the compiler's front end; every other fuzz/NAME.c a part
# of libnncrt. `make test` replays each corpus and fuzzes each target for
# FUZZ_SMOKE seconds (tests/test_fuzz.sh); `make fuzz FUZZ_TIME=600` runs each
# for FUZZ_TIME seconds, keeping what it finds in $(BUILD)/fuzz-corpus/NAME.
# fuzz/safetensors.c feeds bytes to the weights loader as a file of a fixed
# small model; fuzz/make_safetensors_corpus.py writes its seeds.
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=undefined -fno-omit-frame-pointer -Wall -Wextra -Werror
FUZZ_NAMES := $(patsubst fuzz/%.c,%,$(wildcard fuzz/*.c))
FUZZ_BINS  := $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)
FUZZ_SMOKE ?= 5
FUZZ_TIME  ?= 600
$(BUILD)/fuzz/spec: fuzz/spec.c $(COMPILER_SRC) $(wildcard compiler/*.h) $(BUILD)/templates_embed.c
	@mkdir -p $(BUILD)/fuzz
	clang $(FUZZ_FLAGS) -fopenmp -Icompiler -Iruntime -DNNC_VERSION='"$(VERSION)"' -o $@ fuzz/spec.c \
	  $(filter-out compiler/main.c,$(COMPILER_SRC)) $(BUILD)/templates_embed.c $(RUNTIME_SRC) \
	  -lyaml $(RT_LIBS)
$(BUILD)/fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(RUNTIME_SRC) $(RT_HDRS)
	@mkdir -p $(BUILD)/fuzz
	clang $(FUZZ_FLAGS) -fopenmp -Iruntime -o $@ $< $(RUNTIME_SRC) $(RT_LIBS)
fuzz: $(FUZZ_BINS)
	sh tests/test_fuzz.sh $(BUILD) $(FUZZ_TIME) keep
# The committed seeds of the data targets, made again (not part of make test).
fuzz-seeds: fuzz/corpus/make_seeds.c | $(BUILD)
	$(CC) $(ALLCFLAGS) -o $(BUILD)/make_seeds $< -lpng -ljpeg -lz
	mkdir -p fuzz/corpus/png fuzz/corpus/jpeg fuzz/corpus/idx fuzz/corpus/folder
	$(BUILD)/make_seeds fuzz/corpus
.PHONY: fuzz fuzz-seeds

# --- make test / make test-asan ---------------------------------------------------
TEST_SUITES = "sh tests/test_templates.sh" $(COMPILER_TESTS) \
              "sh tests/test_spec_errors.sh $(BUILD)/nnc" "sh tests/test_spec_hostile.sh $(BUILD)/nnc" \
              "sh tests/test_hostile.sh $(BUILD)" "sh tests/test_docs.sh $(BUILD)/nnc" "sh tests/test_augment_errors.sh $(BUILD)/nnc" "sh tests/test_simd.sh $(BUILD)" \
              "sh tests/test_simd.sh $(BUILD) avx512" \
              $(BUILD)/test_runtime $(BUILD)/test_metrics \
              "sh tests/test_fit_callbacks.sh $(BUILD)" \
              "FMNIST=$(FMNIST) sh tests/test_runtime_cli.sh $(BUILD)" $(DATA_SUITES) \
              "sh tests/test_e2e.sh $(BUILD)" "sh tests/test_augment_e2e.sh $(BUILD)" \
              "sh tests/test_export.sh $(BUILD)" "sh tests/test_optim_e2e.sh $(BUILD)" \
              "sh tests/test_bn_e2e.sh $(BUILD)" "sh tests/test_resnet_e2e.sh $(BUILD)" \
              "sh tests/test_dropout_e2e.sh $(BUILD)" \
              "sh tests/test_schedule_e2e.sh $(BUILD)" "sh tests/test_fit_options.sh $(BUILD)" \
              "sh tests/test_fuzz.sh $(BUILD) $(FUZZ_SMOKE)" \
              "FMNIST=$(FMNIST) sh tests/test_sep_chain.sh $(BUILD)" \
              "FASHION_MNIST=$(FMNIST) sh tests/test_mpi.sh $(BUILD)" \
              "FMNIST=$(FMNIST) sh tests/test_xception_e2e.sh $(BUILD)"

# `make test` on a fresh machine installs what it needs first, as `make demo` does.
test: deps
	$(MAKE) test-suites
test-suites: all $(COMPILER_TESTS) $(BUILD)/test_runtime $(BUILD)/test_metrics $(BUILD)/toy_trainer \
      $(if $(shell command -v $(MPICC)),$(BUILD)/libnncrt_mpi.a) \
      $(BUILD)/toy_trainer_other $(BUILD)/idx2png $(BUILD)/idx_subset $(DATA_TESTS) $(FUZZ_BINS)
	@NNC_CFLAGS="$(SANFLAGS)" sh tests/run.sh $(TEST_SUITES)

# The same suites with AddressSanitizer and UBSan in nnc, libnncrt, the tests
# and every trainer the tests build.
test-asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g" \
	  SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" test

# make test-fuzz (not part of make test): random specs, SIMD twin against scalar
FUZZ_SEED ?= 1
test-fuzz: all
	/usr/bin/python3 tests/fuzz_twins.py $(BUILD) $(FUZZ_SEED) 40
.PHONY: test-fuzz

# --- make bench: nnc against PyTorch on this machine (not part of make test) ------
# BENCH_TARGET is the trainers' --target (host: what nnc picks for this CPU);
# fma_peak measures the peak of that same target, which run.py reads from the
# generated C. fma_chains.c gets the kernels' flags; fma_peak.c none, so it can
# refuse a CPU without their ISA before running any of it.
BENCH_TARGET ?= host
BENCH_CC := clang -std=c11 -D_GNU_SOURCE -O3 -march=native -fopenmp -fno-math-errno -Iruntime
BENCH_DIR := $(BUILD)/bench-$(BENCH_TARGET)
BENCH_DRIVERS := $(addprefix $(BENCH_DIR)/,fmnist fmnist256 cifar cifar256 sepchain xception resnet)
BENCH_BINS := $(BENCH_DRIVERS) $(BENCH_DIR)/trainer $(BUILD)/fma_peak $(BUILD)/triad
$(BENCH_DIR)/%.c: bench/specs/%_cnn.yaml $(BUILD)/nnc
	@mkdir -p $(BENCH_DIR)
	$(BUILD)/nnc $< --profile --target $(BENCH_TARGET) -o $@
$(BENCH_DIR)/%256.c: bench/specs/%_cnn_b256.yaml $(BUILD)/nnc
	@mkdir -p $(BENCH_DIR)
	$(BUILD)/nnc $< --profile --target $(BENCH_TARGET) -o $@
$(BENCH_DIR)/resnet.c: examples/fashion_mnist_resnet.yaml $(BUILD)/nnc
	@mkdir -p $(BENCH_DIR)
	$(BUILD)/nnc $< --profile --target $(BENCH_TARGET) -o $@
$(BENCH_DRIVERS): %: %.c bench/bench_driver.c
	$(BENCH_CC) -DNNC_TRAINER='"../$<"' -o $@ bench/bench_driver.c -lm
$(BENCH_DIR)/trainer: bench/specs/fmnist_cnn.yaml $(BUILD)/nnc $(BUILD)/libnncrt.a
	@mkdir -p $(BENCH_DIR)
	$(BUILD)/nnc build $< --target $(BENCH_TARGET) -o $@
$(BUILD)/fma_chains.o: bench/fma_chains.c bench/fma_peak.h | $(BUILD)
	$(BENCH_CC) $(WARN) -c -o $@ $<
$(BUILD)/fma_peak: bench/fma_peak.c bench/fma_peak.h $(BUILD)/fma_chains.o
	clang -std=c11 -D_GNU_SOURCE -O2 -fopenmp $(WARN) -o $@ $< $(BUILD)/fma_chains.o
$(BUILD)/triad: bench/triad.c | $(BUILD)
	clang -std=c11 -D_GNU_SOURCE -O2 -march=native -fopenmp $(WARN) -o $@ $<
bench: all $(BENCH_BINS)
	PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 bench/run.py $(BUILD) $(BENCH_DIR) 2
.PHONY: bench

# make bench-peers (not part of make test): nnc beside PyTorch 2.x and Keras 3,
# current releases from PyPI, installed once into a venv for benchmarks only
# (about 7 GB: PyPI's Linux torch wheel brings the CUDA libraries). Remove
# $(PEERS_VENV) to install newer releases. A peer that cannot be installed is
# skipped with the reason printed.
PEERS_VENV := $(BUILD)/peers-venv
bench-peers: all $(BENCH_DRIVERS)
	sh bench/peers_venv.sh $(PEERS_VENV)
	PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 bench/peers.py $(BENCH_DIR) \
	  $(PEERS_VENV)/bin/python 2
.PHONY: bench-peers

# make bench-export (not part of make test): FMNIST-CNN exported by nnc --predict
# (SIMD and portable kernels, -O3 -march=native) beside ONNX Runtime (PyPI, in a
# benchmark-only venv), Debian's PyTorch and the trainer's own predict, single
# image and batch 256, one thread, alternating rounds (bench/export/run.py).
# The weights: examples/fashion_mnist.yaml trained for one epoch on 3,000 images.
BEX      := $(BUILD)/bench-export
BEX_CC   ?= gcc
BEX_OPT  := -std=c99 -O3 -march=native -Wall -Wextra -Werror
BEX_VENV := $(BUILD)/export-venv
$(BEX)/trainer: examples/fashion_mnist.yaml $(BUILD)/nnc $(BUILD)/libnncrt.a
	@mkdir -p $(BEX)
	$(BUILD)/nnc build $< -o $@
$(BEX)/w.safetensors: $(BEX)/trainer
	$< fit --data $(FMNIST)/train-images-idx3-ubyte.gz --limit 3000 --epochs 1 \
	  --val $(FMNIST)/t10k-images-idx3-ubyte.gz --weights $@
$(BEX)/classifier.c: $(BEX)/w.safetensors $(BUILD)/nnc
	$(BUILD)/nnc examples/fashion_mnist.yaml --predict --weights $< --prefix cls -o $@
$(BEX)/cls_simd: bench/export/driver.c $(BEX)/classifier.c
	$(BEX_CC) $(BEX_OPT) -DCLS_SIMD -I$(BEX) -o $@ $< $(BEX)/classifier.c -lm
$(BEX)/cls_portable: bench/export/driver.c $(BEX)/classifier.c
	$(BEX_CC) $(BEX_OPT) -I$(BEX) -o $@ $< $(BEX)/classifier.c -lm
$(BEX)/trainer256.c: examples/fashion_mnist.yaml $(BUILD)/nnc
	@mkdir -p $(BEX)
	sed 's/batch_size: 32/batch_size: 256/' $< > $(BEX)/fashion_mnist_b256.yaml
	$(BUILD)/nnc $(BEX)/fashion_mnist_b256.yaml -o $@
$(BEX)/trainer256: bench/export/trainer_driver.c $(BEX)/trainer256.c $(BUILD)/libnncrt.a
	$(CC) -std=c11 -D_GNU_SOURCE -O3 -march=native -fopenmp -fno-math-errno -Iruntime \
	  -DNNC_NO_MAIN -o $@ $< $(BEX)/trainer256.c $(RT_LINK)
bench-export: $(BEX)/cls_simd $(BEX)/cls_portable $(BEX)/trainer256
	sh bench/export/venv.sh $(BEX_VENV)
	PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 bench/export/run.py $(BEX) \
	  $(BEX_VENV)/bin/python $(FMNIST)
.PHONY: bench-export
