//go:build cgo

package torch

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>
#include "shim/ssrun_torch.h"

// The shim's entry points, resolved with dlsym: ssrun never links libtorch.
typedef struct {
	int (*abi)(void);
	const char *(*version)(void);
	int (*set_threads)(int, int, char **);
	void *(*load)(const void *, size_t, char **);
	void *(*compile)(const char *, size_t, char **);
	void (*release)(void *);
	char *(*schema)(void *, const char *, char **);
	char *(*functions)(void *, char **);
	void *(*run)(void *, const char *, const ssrun_arg *, int, int *, char **);
	int (*output)(void *, int, ssrun_tensor *, char **);
	void (*outputs_free)(void *);
} ssrun_shim;

static ssrun_shim shim;

// shim_open loads the library and resolves every entry point; on failure it returns dlerror's text
// (the caller must not free it).
static const char *shim_open(const char *path) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) return dlerror();
#define SYM(field, name) if ((*(void **)(&shim.field) = dlsym(h, name)) == NULL) return dlerror();
	SYM(abi, "ssrun_torch_abi")
	SYM(version, "ssrun_torch_version")
	SYM(set_threads, "ssrun_torch_set_threads")
	SYM(load, "ssrun_torch_load")
	SYM(compile, "ssrun_torch_compile")
	SYM(release, "ssrun_torch_release")
	SYM(schema, "ssrun_torch_schema")
	SYM(functions, "ssrun_torch_functions")
	SYM(run, "ssrun_torch_run")
	SYM(output, "ssrun_torch_output")
	SYM(outputs_free, "ssrun_torch_outputs_free")
#undef SYM
	return NULL;
}

static int shim_abi(void) { return shim.abi(); }
static const char *shim_version(void) { return shim.version(); }
static int shim_set_threads(int intra, int inter, char **err) { return shim.set_threads(intra, inter, err); }
static void *shim_load(const void *b, size_t n, char **err) { return shim.load(b, n, err); }
static void *shim_compile(const char *s, size_t n, char **err) { return shim.compile(s, n, err); }
static void shim_release(void *h) { shim.release(h); }
static char *shim_schema(void *h, const char *name, char **err) { return shim.schema(h, name, err); }
static char *shim_functions(void *h, char **err) { return shim.functions(h, err); }
static void *shim_run(void *h, const char *name, const ssrun_arg *args, int n, int *nout, char **err) {
	return shim.run(h, name, args, n, nout, err);
}
static int shim_output(void *o, int i, ssrun_tensor *t, char **err) { return shim.output(o, i, t, err); }
static void shim_outputs_free(void *o) { shim.outputs_free(o); }
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"github.com/ssrun/ssrun/tensor"
)

// abiVersion is SSRUN_TORCH_ABI of the header this package was built with.
const abiVersion = C.SSRUN_TORCH_ABI

// openShim loads the shim library and checks that it speaks this package's ABI.
func openShim(path string) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	if msg := C.shim_open(cpath); msg != nil {
		return errors.New(C.GoString(msg))
	}
	if got := int(C.shim_abi()); got != abiVersion {
		return fmt.Errorf("%s speaks ABI %d, this ssrun needs %d: rebuild it with `make torch-backend`", path, got, abiVersion)
	}
	return nil
}

func shimVersion() string { return C.GoString(C.shim_version()) }

// takeError turns a shim error string into an error and frees it.
func takeError(err *C.char) error {
	if err == nil {
		return errors.New("libtorch failed without a message")
	}
	defer C.free(unsafe.Pointer(err))
	return errors.New(strings.TrimSpace(C.GoString(err)))
}

func setThreads(intra, inter int) error {
	var cerr *C.char
	if C.shim_set_threads(C.int(intra), C.int(inter), &cerr) != 0 {
		return takeError(cerr)
	}
	return nil
}

// unit is a loaded module or a compiled compilation unit, released when collected.
type unit struct {
	h unsafe.Pointer
}

func newUnit(h unsafe.Pointer) *unit {
	u := &unit{h: h}
	runtime.AddCleanup(u, func(h unsafe.Pointer) { C.shim_release(h) }, h)
	return u
}

// loadModule reads a TorchScript archive (torch.jit.save) from its bytes; libtorch copies them.
func loadModule(blob []byte) (*unit, error) {
	var cerr *C.char
	var p unsafe.Pointer
	if len(blob) > 0 {
		p = unsafe.Pointer(&blob[0])
	}
	h := C.shim_load(p, C.size_t(len(blob)), &cerr)
	runtime.KeepAlive(blob)
	if h == nil {
		return nil, takeError(cerr)
	}
	return newUnit(h), nil
}

// compileSource compiles TorchScript source text.
func compileSource(src []byte) (*unit, error) {
	csrc := C.CBytes(src)
	defer C.free(csrc)
	var cerr *C.char
	h := C.shim_compile((*C.char)(csrc), C.size_t(len(src)), &cerr)
	if h == nil {
		return nil, takeError(cerr)
	}
	return newUnit(h), nil
}

// schema returns the parsed schema of a method or function.
func (u *unit) schema(name string) (*signature, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var cerr *C.char
	text := C.shim_schema(u.h, cname, &cerr)
	runtime.KeepAlive(u)
	if text == nil {
		return nil, takeError(cerr)
	}
	defer C.free(unsafe.Pointer(text))
	return parseSignature(C.GoString(text))
}

// functions lists a compilation unit's functions.
func (u *unit) functions() ([]string, error) {
	var cerr *C.char
	text := C.shim_functions(u.h, &cerr)
	runtime.KeepAlive(u)
	if text == nil {
		return nil, takeError(cerr)
	}
	defer C.free(unsafe.Pointer(text))
	return strings.Fields(C.GoString(text)), nil
}

// argument is one argument of a call: a tensor, a list of tensors or a list of strings.
type argument struct {
	kind    int
	tensors []*tensor.Tensor
	strings [][]byte
}

const (
	argTensor     = C.SSRUN_ARG_TENSOR
	argTensorList = C.SSRUN_ARG_TENSOR_LIST
	argStringList = C.SSRUN_ARG_STRING_LIST
)

// run calls a method or function. The input tensors' memory is read in place: it is pinned for the
// call, and the shim clones any output that aliases it, so nothing in C refers to Go memory after
// the call. Outputs are copied once, into Go memory.
func (u *unit) run(name string, args []argument) ([]*tensor.Tensor, error) {
	var pinner runtime.Pinner
	defer pinner.Unpin()
	cargs := make([]C.ssrun_arg, len(args))
	for i, a := range args {
		cargs[i].kind = C.int32_t(a.kind)
		switch a.kind {
		case argStringList:
			strs := make([]C.ssrun_string, len(a.strings))
			for j, s := range a.strings {
				if len(s) > 0 {
					pinner.Pin(&s[0])
					strs[j].ptr = (*C.char)(unsafe.Pointer(&s[0]))
				}
				strs[j].len = C.size_t(len(s))
			}
			cargs[i].count = C.int32_t(len(strs))
			if len(strs) > 0 {
				pinner.Pin(&strs[0])
				cargs[i].strings = &strs[0]
			}
		default:
			ts := make([]C.ssrun_tensor, len(a.tensors))
			for j, t := range a.tensors {
				ct, err := cTensor(t, &pinner)
				if err != nil {
					return nil, err
				}
				ts[j] = ct
			}
			cargs[i].count = C.int32_t(len(ts))
			if len(ts) > 0 {
				pinner.Pin(&ts[0])
				cargs[i].tensors = &ts[0]
			}
		}
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var argp *C.ssrun_arg
	if len(cargs) > 0 {
		argp = &cargs[0]
	}
	var nout C.int
	var cerr *C.char
	outs := C.shim_run(u.h, cname, argp, C.int(len(cargs)), &nout, &cerr)
	runtime.KeepAlive(u)
	if outs == nil {
		return nil, takeError(cerr)
	}
	defer C.shim_outputs_free(outs)
	result := make([]*tensor.Tensor, int(nout))
	for i := range result {
		var ct C.ssrun_tensor
		if C.shim_output(outs, C.int(i), &ct, &cerr) != 0 {
			return nil, takeError(cerr)
		}
		t, err := goTensor(&ct)
		if err != nil {
			return nil, err
		}
		result[i] = t
	}
	return result, nil
}

// cTensor describes t for the shim without copying its elements (pinned until the call ends). Data
// not aligned for its element type (a slice of a larger request buffer) is copied into fresh memory,
// which Go aligns.
func cTensor(t *tensor.Tensor, pinner *runtime.Pinner) (C.ssrun_tensor, error) {
	var ct C.ssrun_tensor
	if err := checkDType(t.DType); err != nil {
		return ct, err
	}
	ct.dtype = C.int32_t(t.DType)
	ct.ndim = C.int32_t(len(t.Shape))
	if len(t.Shape) > 0 {
		shape := t.Shape
		pinner.Pin(&shape[0])
		ct.shape = (*C.int64_t)(unsafe.Pointer(&shape[0]))
	}
	if len(t.Data) > 0 {
		data := t.Data
		if uintptr(unsafe.Pointer(&data[0]))%uintptr(t.DType.Size()) != 0 {
			data = append(make([]byte, 0, len(data)), data...)
		}
		pinner.Pin(&data[0])
		ct.data = unsafe.Pointer(&data[0])
	}
	return ct, nil
}

// goTensor copies an output of the shim into a tensor.
func goTensor(ct *C.ssrun_tensor) (*tensor.Tensor, error) {
	dtype := tensor.DType(ct.dtype)
	shape := make([]int64, int(ct.ndim))
	if len(shape) > 0 {
		copy(shape, unsafe.Slice((*int64)(unsafe.Pointer(ct.shape)), len(shape)))
	}
	n, err := tensor.NumElements(shape)
	if err != nil {
		return nil, err
	}
	data := make([]byte, n*int64(dtype.Size()))
	if len(data) > 0 {
		copy(data, unsafe.Slice((*byte)(ct.data), len(data)))
	}
	return tensor.New(dtype, shape, data)
}
