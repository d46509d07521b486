package ai

import (
	"strings"
	"testing"
)

// describedAddBackend is a test backend that names its library, as the ONNX backend does.
type describedAddBackend struct{ addBackend }

func (*describedAddBackend) Version() string { return "1.30.0" }
func (*describedAddBackend) Library() string { return "/opt/ort/libonnxruntime.so" }

func TestInfoSectionNamesTheLoadedLibrary(t *testing.T) {
	e := newEnv(t, Options{Backends: []Backend{&describedAddBackend{addBackend{name: "ONNX"}}}})
	if info := e.m.InfoSection(); !strings.Contains(info, "ai_backend_onnx:1.30.0 /opt/ort/libonnxruntime.so\r\n") {
		t.Fatalf("InfoSection lacks the library line:\n%s", info)
	}
}
