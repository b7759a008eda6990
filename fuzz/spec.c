/* fuzz/spec.c — libFuzzer target: YAML text → model, through shape inference,
 * the memory plan and code generation (the whole front end of nnc on text a
 * user wrote). Every input must end in a model or in reported errors, within
 * bounded time and memory, with no sanitizer report. */
#include "nnc.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    diag_reset();
    model *m = spec_load_text("fuzz.yaml", (const char *)data, size);
    if (m && target_set(m, "avx2") == 0) {
        fuse_graph(m);
        plan p;
        if (plan_build(m, &p) == 0)
            free(emit_trainer(m, &p));
        plan_free(&p);
    }
    model_free(m);
    diag_reset();
    return 0;
}
