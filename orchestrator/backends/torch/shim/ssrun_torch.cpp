// ssrun_torch.cpp: libssrun_torch.so, the C ABI of ssrun_torch.h over libtorch's C++ API.
//
// Every entry point catches C++ exceptions and turns them into an error string: nothing may unwind
// into Go. A handle is a Unit: a TorchScript module (models) or a compilation unit (scripts).
#include "ssrun_torch.h"

#include <torch/csrc/api/include/torch/version.h>
#include <ATen/Parallel.h>
#include <torch/jit.h>
#include <torch/script.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Unit {
    std::shared_ptr<torch::jit::Module> module;                  // a model
    std::shared_ptr<torch::jit::CompilationUnit> cu;             // a script
};

struct Outputs {
    std::vector<at::Tensor> tensors;
};

char *dup(const std::string &s) {
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (p != nullptr) {
        std::memcpy(p, s.data(), s.size());
        p[s.size()] = 0;
    }
    return p;
}

void fail(char **err, const std::string &msg) {
    if (err != nullptr) {
        *err = dup(msg);
    }
}

// The first line of a libtorch message: TorchScript errors carry a source excerpt and a C++ backtrace
// after it, which a one-line RESP error cannot hold. The excerpt is kept, joined with " | ".
std::string message(const std::exception &e) {
    const c10::Error *ce = dynamic_cast<const c10::Error *>(&e);
    std::string text = ce != nullptr ? ce->what_without_backtrace() : e.what();
    return text;
}

bool scalarType(int32_t dtype, at::ScalarType *out) {
    switch (dtype) {
    case SSRUN_FLOAT: *out = at::kFloat; return true;
    case SSRUN_DOUBLE: *out = at::kDouble; return true;
    case SSRUN_INT8: *out = at::kChar; return true;
    case SSRUN_INT16: *out = at::kShort; return true;
    case SSRUN_INT32: *out = at::kInt; return true;
    case SSRUN_INT64: *out = at::kLong; return true;
    case SSRUN_UINT8: *out = at::kByte; return true;
    case SSRUN_BOOL: *out = at::kBool; return true;
    }
    return false;
}

int32_t dtypeOf(at::ScalarType t) {
    switch (t) {
    case at::kFloat: return SSRUN_FLOAT;
    case at::kDouble: return SSRUN_DOUBLE;
    case at::kChar: return SSRUN_INT8;
    case at::kShort: return SSRUN_INT16;
    case at::kInt: return SSRUN_INT32;
    case at::kLong: return SSRUN_INT64;
    case at::kByte: return SSRUN_UINT8;
    case at::kBool: return SSRUN_BOOL;
    default: return 0;
    }
}

// fromBlob wraps the caller's memory without copying it.
at::Tensor fromBlob(const ssrun_tensor &t) {
    at::ScalarType st;
    if (!scalarType(t.dtype, &st)) {
        throw std::runtime_error("libtorch has no tensor type for ssrun type " + std::to_string(t.dtype));
    }
    return torch::from_blob(t.data, at::IntArrayRef(t.shape, t.ndim), torch::TensorOptions().dtype(st));
}

torch::jit::Stack stackOf(const ssrun_arg *args, int nargs) {
    torch::jit::Stack stack;
    stack.reserve(nargs);
    for (int i = 0; i < nargs; i++) {
        const ssrun_arg &a = args[i];
        switch (a.kind) {
        case SSRUN_ARG_TENSOR:
            stack.emplace_back(fromBlob(a.tensors[0]));
            break;
        case SSRUN_ARG_TENSOR_LIST: {
            c10::List<at::Tensor> list;
            list.reserve(a.count);
            for (int j = 0; j < a.count; j++) {
                list.push_back(fromBlob(a.tensors[j]));
            }
            stack.emplace_back(std::move(list));
            break;
        }
        case SSRUN_ARG_STRING_LIST: {
            c10::List<std::string> list;
            list.reserve(a.count);
            for (int j = 0; j < a.count; j++) {
                list.push_back(std::string(a.strings[j].ptr, a.strings[j].len));
            }
            stack.emplace_back(std::move(list));
            break;
        }
        default:
            throw std::runtime_error("unknown argument kind " + std::to_string(a.kind));
        }
    }
    return stack;
}

// within reports whether t's memory lies in one of the caller's input buffers.
bool within(const at::Tensor &t, const ssrun_arg *args, int nargs) {
    if (!t.has_storage() || t.storage().nbytes() == 0) {
        return false;
    }
    auto lo = static_cast<const char *>(t.storage().data());
    auto hi = lo + t.storage().nbytes();
    for (int i = 0; i < nargs; i++) {
        if (args[i].kind == SSRUN_ARG_STRING_LIST) {
            continue;
        }
        for (int j = 0; j < args[i].count; j++) {
            const ssrun_tensor &in = args[i].tensors[j];
            int64_t n = 1;
            for (int d = 0; d < in.ndim; d++) {
                n *= in.shape[d];
            }
            at::ScalarType st;
            if (in.data == nullptr || !scalarType(in.dtype, &st)) {
                continue;
            }
            auto b = static_cast<const char *>(in.data);
            auto e = b + n * static_cast<int64_t>(c10::elementSize(st));
            if (lo < e && b < hi) {
                return true;
            }
        }
    }
    return false;
}

void addOutput(Outputs *out, const c10::IValue &v, const std::string &name) {
    if (v.isTensor()) {
        out->tensors.push_back(v.toTensor());
    } else if (v.isTensorList()) {
        for (const at::Tensor &t : v.toTensorList()) {
            out->tensors.push_back(t);
        }
    } else if (v.isTuple()) {
        for (const c10::IValue &e : v.toTupleRef().elements()) {
            if (!e.isTensor()) {
                throw std::runtime_error("Function returned non-tensor values " + name);
            }
            out->tensors.push_back(e.toTensor());
        }
    } else if (v.isList()) {
        for (const c10::IValue &e : v.toListRef()) {
            if (!e.isTensor()) {
                throw std::runtime_error("Function returned non-tensor values " + name);
            }
            out->tensors.push_back(e.toTensor());
        }
    } else {
        throw std::runtime_error("Function returned non-tensor values " + name);
    }
}

const c10::FunctionSchema &schemaOf(Unit *u, const std::string &name) {
    if (u->module) {
        auto m = u->module->find_method(name);
        if (!m) {
            throw std::runtime_error("the module has no method " + name);
        }
        return m->function().getSchema();
    }
    torch::jit::Function *f = u->cu->find_function(name);
    if (f == nullptr) {
        throw std::runtime_error("Function does not exist: " + name);
    }
    return f->getSchema();
}

} // namespace

extern "C" {

int ssrun_torch_abi(void) { return SSRUN_TORCH_ABI; }

const char *ssrun_torch_version(void) { return TORCH_VERSION; }

int ssrun_torch_set_threads(int intra, int inter, char **err) {
    try {
        if (inter > 0 && at::get_num_interop_threads() != inter) {
            at::set_num_interop_threads(inter);
        }
        if (intra > 0 && at::get_num_threads() != intra) {
            at::set_num_threads(intra);
        }
        return 0;
    } catch (const std::exception &e) {
        fail(err, message(e));
        return -1;
    }
}

void *ssrun_torch_load(const void *bytes, size_t len, char **err) {
    try {
        std::istringstream in(std::string(static_cast<const char *>(bytes), len), std::ios_base::binary);
        auto u = std::make_unique<Unit>();
        u->module = std::make_shared<torch::jit::Module>(torch::jit::load(in, torch::kCPU));
        u->module->eval();
        return u.release();
    } catch (const std::exception &e) {
        fail(err, message(e));
        return nullptr;
    }
}

void *ssrun_torch_compile(const char *src, size_t len, char **err) {
    try {
        auto u = std::make_unique<Unit>();
        u->cu = torch::jit::compile(std::string(src, len));
        return u.release();
    } catch (const std::exception &e) {
        fail(err, message(e));
        return nullptr;
    }
}

void ssrun_torch_release(void *handle) { delete static_cast<Unit *>(handle); }

char *ssrun_torch_schema(void *handle, const char *name, char **err) {
    try {
        Unit *u = static_cast<Unit *>(handle);
        const c10::FunctionSchema &s = schemaOf(u, name);
        std::string text;
        size_t first = u->module ? 1 : 0; // a method's first argument is self
        for (size_t i = first; i < s.arguments().size(); i++) {
            text += s.arguments()[i].name() + "\t" + s.arguments()[i].type()->annotation_str() + "\n";
        }
        text += "->\n";
        for (const c10::Argument &r : s.returns()) {
            text += r.type()->annotation_str() + "\n";
        }
        return dup(text);
    } catch (const std::exception &e) {
        fail(err, message(e));
        return nullptr;
    }
}

char *ssrun_torch_functions(void *handle, char **err) {
    try {
        Unit *u = static_cast<Unit *>(handle);
        std::string text;
        if (u->cu) {
            for (torch::jit::Function *f : u->cu->get_functions()) {
                text += f->name() + "\n";
            }
        }
        return dup(text);
    } catch (const std::exception &e) {
        fail(err, message(e));
        return nullptr;
    }
}

void *ssrun_torch_run(void *handle, const char *name, const ssrun_arg *args, int nargs, int *nout, char **err) {
    try {
        Unit *u = static_cast<Unit *>(handle);
        torch::NoGradGuard noGrad;
        torch::jit::Stack stack = stackOf(args, nargs);
        if (u->module) {
            auto m = u->module->find_method(name);
            if (!m) {
                throw std::runtime_error(std::string("the module has no method ") + name);
            }
            m->run(stack);
        } else {
            torch::jit::Function *f = u->cu->find_function(name);
            if (f == nullptr) {
                throw std::runtime_error(std::string("Function does not exist: ") + name);
            }
            f->run(stack);
        }
        auto out = std::make_unique<Outputs>();
        for (const c10::IValue &v : stack) {
            addOutput(out.get(), v, name);
        }
        for (at::Tensor &t : out->tensors) {
            t = t.to(torch::kCPU).contiguous();
            if (dtypeOf(t.scalar_type()) == 0) {
                throw std::runtime_error(std::string("Function ") + name + " returned a tensor of type " +
                                         c10::toString(t.scalar_type()) + ", which has no RedisAI type");
            }
            if (within(t, args, nargs)) {
                t = t.clone(); // never hand back the caller's own memory
            }
        }
        *nout = static_cast<int>(out->tensors.size());
        return out.release();
    } catch (const std::exception &e) {
        fail(err, message(e));
        return nullptr;
    }
}

int ssrun_torch_output(void *outputs, int i, ssrun_tensor *out, char **err) {
    Outputs *o = static_cast<Outputs *>(outputs);
    if (i < 0 || static_cast<size_t>(i) >= o->tensors.size()) {
        fail(err, "output index out of range");
        return -1;
    }
    const at::Tensor &t = o->tensors[i];
    out->dtype = dtypeOf(t.scalar_type());
    out->ndim = static_cast<int32_t>(t.dim());
    out->shape = t.sizes().data();
    out->data = t.data_ptr();
    return 0;
}

void ssrun_torch_outputs_free(void *outputs) { delete static_cast<Outputs *>(outputs); }

} // extern "C"
