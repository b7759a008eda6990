/* fixture.h — reads the reference tensors that tests/fixtures/make_reference.py
 * writes (a plain .safetensors file) for the tests that compare with PyTorch. */
#ifndef NNC_TEST_FIXTURE_H
#define NNC_TEST_FIXTURE_H

#include <stddef.h>

typedef struct fixture {
    unsigned char *data; /* whole file */
    size_t size, header_len;
} fixture;

int fixture_open(fixture *f, const char *path);
/* The tensor NAME as raw little-endian data, and its byte size; NULL if absent. */
const void *fixture_tensor(const fixture *f, const char *name, size_t *bytes);
void fixture_close(fixture *f);

#endif
