/* ssrun_torch.h: the C ABI of libssrun_torch.so, ssrun's shim over libtorch's C++ API.
 *
 * ssrun loads the library at run time (dlopen) and calls only these functions, so the ssrun binary
 * never links libtorch. Handles are opaque; errors are malloc'ed strings the caller frees with free().
 * Tensors passed in are read in place (no copy) for the duration of one call: the shim never keeps a
 * pointer to them after returning, and clones any output that would alias an input.
 */
#ifndef SSRUN_TORCH_H
#define SSRUN_TORCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SSRUN_TORCH_ABI changes whenever a signature or struct below changes; ssrun refuses another. */
#define SSRUN_TORCH_ABI 1

/* Element types, numbered as ssrun's tensor package numbers RedisAI's types. */
enum ssrun_dtype {
    SSRUN_FLOAT = 1,
    SSRUN_DOUBLE = 2,
    SSRUN_INT8 = 3,
    SSRUN_INT16 = 4,
    SSRUN_INT32 = 5,
    SSRUN_INT64 = 6,
    SSRUN_UINT8 = 7,
    SSRUN_UINT16 = 8,
    SSRUN_BOOL = 9,
};

/* A dense row-major tensor on the CPU. */
typedef struct {
    int32_t dtype;
    int32_t ndim;
    const int64_t *shape;
    void *data;
} ssrun_tensor;

typedef struct {
    const char *ptr;
    size_t len;
} ssrun_string;

/* One argument of a call: a tensor, a list of tensors or a list of strings. */
enum ssrun_arg_kind { SSRUN_ARG_TENSOR = 0, SSRUN_ARG_TENSOR_LIST = 1, SSRUN_ARG_STRING_LIST = 2 };

typedef struct {
    int32_t kind;
    int32_t count; /* elements of a list (1 for a tensor) */
    const ssrun_tensor *tensors;
    const ssrun_string *strings;
} ssrun_arg;

int ssrun_torch_abi(void);
/* The libtorch version the shim was built against, e.g. "1.13.0". */
const char *ssrun_torch_version(void);
/* Sets libtorch's intra-op and inter-op thread pools (0 leaves one as it is). */
int ssrun_torch_set_threads(int intra, int inter, char **err);

/* Loads a TorchScript module saved by torch.jit.save from its bytes. */
void *ssrun_torch_load(const void *bytes, size_t len, char **err);
/* Compiles TorchScript source text (functions) into a compilation unit. */
void *ssrun_torch_compile(const char *src, size_t len, char **err);
void ssrun_torch_release(void *handle);

/* The schema of a method of a module or a function of a compilation unit, as text: one line per
 * argument "name<TAB>type" (a module's self left out), then "->", then one line per return type.
 * NULL with *err set when there is no such method or function. */
char *ssrun_torch_schema(void *handle, const char *name, char **err);
/* The names of a compilation unit's functions, one per line. */
char *ssrun_torch_functions(void *handle, char **err);

/* Runs a method ("forward") of a module or a function of a compilation unit. Its result (a tensor,
 * or a tuple or list of tensors) is flattened into outputs, made contiguous on the CPU; the returned
 * handle owns them and is freed with ssrun_torch_outputs_free. */
void *ssrun_torch_run(void *handle, const char *name, const ssrun_arg *args, int nargs, int *nout, char **err);
/* Describes output i; the pointers stay valid until the outputs are freed. */
int ssrun_torch_output(void *outputs, int i, ssrun_tensor *out, char **err);
void ssrun_torch_outputs_free(void *outputs);

#ifdef __cplusplus
}
#endif
#endif
