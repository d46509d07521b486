// Package torch is ssrun's TORCH backend: it runs TorchScript models stored with AI.MODELSTORE ...
// TORCH and compiles and runs TorchScript scripts (AI.SCRIPTSTORE/SCRIPTSET, SCRIPTEXECUTE/SCRIPTRUN)
// with Debian's libtorch, as RedisAI does. libtorch is C++, so ssrun talks to it through a small C
// shim (shim/ssrun_torch.cpp, built by `make torch-backend` into .torch-backend/libssrun_torch.so)
// that is dlopen'ed at run time: the ssrun binary builds and starts without libtorch, and a binary
// built with CGO_ENABLED=0 answers Load with an error that says so.
//
// Where the shim comes from, in order: `ssrun db --torch PATH`, the SSRUN_TORCH_BACKEND environment
// variable, or AI.CONFIG LOADBACKEND TORCH PATH at run time (a relative PATH is looked up under
// AI.CONFIG BACKENDSPATH). One shim is loaded per process; loading the same path again is a no-op.
//
// Models: the TorchScript archive of torch.jit.save (torch.jit.script or torch.jit.trace), run through
// its forward method. Inputs are bound by forward's schema: one tensor per Tensor parameter, and a
// forward taking a single List[Tensor] gets all the command's inputs as that list. Outputs are the
// returned tensor, or the tensors of a returned tuple or list, in order. Input memory is handed to
// libtorch in place (no copy unless misaligned); outputs are copied once into Go memory. libtorch 1.13
// has no uint16 or string tensors, so UINT16 and STRING inputs are refused with a message saying so.
//
// Scripts: TorchScript source. Entry points declared with AI.SCRIPTSTORE must have RedisAI 1.2's
// signature fn(tensors: List[Tensor], keys: List[str], args: List[str]) and are called that way with
// the INPUTS, KEYS and ARGS of AI.SCRIPTEXECUTE; other functions (AI.SCRIPTSET, SmartRedis's
// run_script) are called with their tensors bound by their schema, a List[Tensor] parameter taking
// the remaining ones. Error texts are RedisAI's.
//
// Runs cannot be interrupted inside libtorch: a server shutting down waits for runs in progress.
package torch
