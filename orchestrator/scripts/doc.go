// Package scripts is the database's Starlark script engine (ai.ScriptEngine), used when the TORCH
// backend (which compiles TorchScript with libtorch) is not loaded or `ssrun db --script-engine
// starlark` asks for it: the SOURCE of AI.SCRIPTSTORE / AI.SCRIPTSET is a Starlark file whose
// functions take and return tensors, with a predeclared `torch` module (package torch) that has
// PyTorch's names, broadcasting and type promotion, so a TorchScript function without type
// annotations that uses those operations runs unchanged:
//
//	def negate(x):
//	    return torch.neg(x)
//
//	def timestwo(x):
//	    return 2*x
//
// Scripts are sandboxed: the only predeclared name is torch, load and print do nothing useful, every
// call has a step limit (Engine.MaxSteps) and every tensor an element limit (torch.MaxElements).
// Errors are the Starlark backtrace, so the reply names the script line that failed.
//
// Differences from TorchScript that a port may meet: Starlark has no ** or @ operators (use torch.pow
// and torch.matmul), no type annotations, and comparisons of tensors are not elementwise.
package scripts
