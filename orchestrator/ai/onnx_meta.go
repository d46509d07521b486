package ai

import (
	"encoding/binary"
	"errors"
)

// onnxIONames reads the graph input and output names of an ONNX model (a protobuf ModelProto) without
// a runtime, so that a stored ONNX model reports them in AI.MODELGET and execute commands can check
// their key counts, as RedisAI does with the names its backend reports. Initializers listed among the
// inputs (ONNX IR < 4) are not inputs to feed, as ONNX Runtime reports them.
func onnxIONames(blob []byte) (inputs, outputs []string, err error) {
	var graph []byte
	err = eachField(blob, func(field int, value []byte) error {
		if field == 7 { // ModelProto.graph
			graph = value
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if graph == nil {
		return nil, nil, errors.New("onnx: model has no graph")
	}
	var in []string
	initializers := map[string]bool{}
	err = eachField(graph, func(field int, value []byte) error {
		switch field {
		case 5: // GraphProto.initializer: TensorProto, name is field 8
			name, err := stringField(value, 8)
			initializers[name] = true
			return err
		case 11, 12: // GraphProto.input / output: ValueInfoProto, name is field 1
			name, err := stringField(value, 1)
			if field == 11 {
				in = append(in, name)
			} else {
				outputs = append(outputs, name)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, name := range in {
		if !initializers[name] {
			inputs = append(inputs, name)
		}
	}
	return inputs, outputs, nil
}

var errProto = errors.New("onnx: malformed protobuf")

// eachField calls fn for every length-delimited field of a protobuf message and skips the others.
func eachField(msg []byte, fn func(field int, value []byte) error) error {
	for len(msg) > 0 {
		tag, n := binary.Uvarint(msg)
		if n <= 0 {
			return errProto
		}
		msg = msg[n:]
		field, wire := int(tag>>3), tag&7
		switch wire {
		case 0:
			if _, n = binary.Uvarint(msg); n <= 0 {
				return errProto
			}
			msg = msg[n:]
		case 1, 5:
			size := 8
			if wire == 5 {
				size = 4
			}
			if len(msg) < size {
				return errProto
			}
			msg = msg[size:]
		case 2:
			length, n := binary.Uvarint(msg)
			if n <= 0 || length > uint64(len(msg)-n) {
				return errProto
			}
			value := msg[n : n+int(length)]
			msg = msg[n+int(length):]
			if err := fn(field, value); err != nil {
				return err
			}
		default:
			return errProto
		}
	}
	return nil
}

func stringField(msg []byte, want int) (string, error) {
	var s string
	err := eachField(msg, func(field int, value []byte) error {
		if field == want {
			s = string(value)
		}
		return nil
	})
	return s, err
}
