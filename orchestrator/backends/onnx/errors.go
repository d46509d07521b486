package onnx

import "fmt"

func errUnsupported(name string) error {
	return fmt.Errorf("onnx: ssrun has no %s backend; it runs ONNX models through ONNX Runtime", name)
}
