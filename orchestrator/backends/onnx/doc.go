// Package onnx is ssrun's ONNX backend: it runs ONNX models stored with AI.MODELSTORE ... ONNX through
// ONNX Runtime, loaded at run time from a shared library as RedisAI loads its backends. The library is
// dlopen'ed (github.com/yalue/onnxruntime_go), so the ssrun binary needs no ONNX Runtime to build or to
// start; it needs cgo, and a binary built with CGO_ENABLED=0 answers Load with an error that says so.
//
// Where the library comes from, in order: `ssrun db --onnxruntime PATH`, the SSRUN_ONNXRUNTIME_LIB
// environment variable, or AI.CONFIG LOADBACKEND ONNX PATH at run time (a relative PATH is looked up
// under AI.CONFIG BACKENDSPATH). Users have libonnxruntime.so in their Python or conda environment
// (the directory onnxruntime/capi/ of the pip wheel can be given as it is); `make onnxruntime` fetches
// it for development from the npm package onnxruntime-node into .onnxruntime/lib.
//
// ONNX Runtime keeps one environment per process, so one library is loaded per process; loading the
// same path again is a no-op and loading another one is refused.
//
// Tensors: RedisAI's ten types map one to one onto ONNX tensor element types (FLOAT→float,
// DOUBLE→double, INT8..INT64, UINT8, UINT16, BOOL, STRING→string). An output of a type RedisAI does not
// have (float16, uint32, uint64, ...) fails the run with an error naming the output and its type.
// Input and output names and order come from the session. Model sessions are shared by all queue
// workers (ONNX Runtime sessions are safe for concurrent runs) and are released when the stored model
// is dropped and collected.
package onnx
