package onnx_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/ssrun/ssrun/tensor"
)

// errUnrepresentable marks reference data of an ONNX type RedisAI has no type for (float16, uint32,
// ...): such models cannot be driven through AI.TENSORSET and are reported as skipped.
var errUnrepresentable = errors.New("no RedisAI type")

// onnxToRedisAI maps ONNX TensorProto.DataType values onto RedisAI types.
var onnxToRedisAI = map[uint64]tensor.DType{
	1: tensor.Float, 2: tensor.Uint8, 3: tensor.Int8, 4: tensor.Uint16, 5: tensor.Int16,
	6: tensor.Int32, 7: tensor.Int64, 8: tensor.String, 9: tensor.Bool, 11: tensor.Double,
}

// readTensorProto decodes an ONNX TensorProto file (the reference inputs and outputs of ONNX's
// backend tests) into a RedisAI tensor: dims (1), data_type (2), float_data (4), int32_data (5),
// string_data (6), int64_data (7), raw_data (9), double_data (10).
func readTensorProto(path string) (*tensor.Tensor, error) {
	msg, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var (
		dims     []int64
		dataType uint64
		raw      []byte
		hasRaw   bool
		floats   []float32
		doubles  []float64
		ints     []int64 // int32_data and int64_data, widened
		strs     []string
	)
	err = walkProto(msg, func(field int, wire uint64, varint uint64, bytes []byte) error {
		switch field {
		case 1:
			return eachVarint(wire, varint, bytes, func(v uint64) { dims = append(dims, int64(v)) })
		case 2:
			dataType = varint
		case 4:
			return eachFixed32(wire, varint, bytes, func(v uint32) { floats = append(floats, math.Float32frombits(v)) })
		case 5, 7:
			return eachVarint(wire, varint, bytes, func(v uint64) { ints = append(ints, int64(v)) })
		case 6:
			strs = append(strs, string(bytes))
		case 9:
			raw, hasRaw = bytes, true
		case 10:
			return eachFixed64(wire, varint, bytes, func(v uint64) { doubles = append(doubles, math.Float64frombits(v)) })
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dtype, ok := onnxToRedisAI[dataType]
	if !ok {
		return nil, fmt.Errorf("%s: ONNX data type %d: %w", path, dataType, errUnrepresentable)
	}
	if dims == nil {
		dims = []int64{}
	}
	if dtype == tensor.String {
		return tensor.FromStrings(dims, strs)
	}
	if hasRaw {
		return tensor.New(dtype, dims, append([]byte(nil), raw...))
	}
	n, err := tensor.NumElements(dims)
	if err != nil {
		return nil, err
	}
	data := make([]byte, 0, int(n)*dtype.Size())
	switch {
	case dtype == tensor.Float:
		for _, f := range floats {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(f))
		}
	case dtype == tensor.Double:
		for _, f := range doubles {
			data = binary.LittleEndian.AppendUint64(data, math.Float64bits(f))
		}
	default:
		for _, v := range ints {
			switch dtype.Size() {
			case 1:
				data = append(data, byte(v))
			case 2:
				data = binary.LittleEndian.AppendUint16(data, uint16(v))
			case 4:
				data = binary.LittleEndian.AppendUint32(data, uint32(v))
			case 8:
				data = binary.LittleEndian.AppendUint64(data, uint64(v))
			}
		}
	}
	return tensor.New(dtype, dims, data)
}

// walkProto calls fn for each field of a protobuf message with its wire type and its varint or
// length-delimited payload (fixed-width payloads come as bytes).
func walkProto(msg []byte, fn func(field int, wire, varint uint64, bytes []byte) error) error {
	for len(msg) > 0 {
		tag, n := binary.Uvarint(msg)
		if n <= 0 {
			return errors.New("bad tag")
		}
		msg = msg[n:]
		field, wire := int(tag>>3), tag&7
		var varint uint64
		var payload []byte
		switch wire {
		case 0:
			varint, n = binary.Uvarint(msg)
			if n <= 0 {
				return errors.New("bad varint")
			}
			msg = msg[n:]
		case 1, 5:
			size := 8
			if wire == 5 {
				size = 4
			}
			if len(msg) < size {
				return errors.New("short fixed field")
			}
			payload, msg = msg[:size], msg[size:]
		case 2:
			l, n := binary.Uvarint(msg)
			if n <= 0 || l > uint64(len(msg)-n) {
				return errors.New("bad length")
			}
			payload, msg = msg[n:n+int(l)], msg[n+int(l):]
		default:
			return fmt.Errorf("unsupported wire type %d", wire)
		}
		if err := fn(field, wire, varint, payload); err != nil {
			return err
		}
	}
	return nil
}

// eachVarint reads a repeated varint field, packed (wire 2) or not.
func eachVarint(wire, varint uint64, b []byte, fn func(uint64)) error {
	if wire == 0 {
		fn(varint)
		return nil
	}
	for len(b) > 0 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad packed varint")
		}
		fn(v)
		b = b[n:]
	}
	return nil
}

func eachFixed32(wire, _ uint64, b []byte, fn func(uint32)) error {
	if len(b)%4 != 0 {
		return errors.New("bad fixed32 data")
	}
	for ; len(b) > 0; b = b[4:] {
		fn(binary.LittleEndian.Uint32(b))
	}
	return nil
}

func eachFixed64(wire, _ uint64, b []byte, fn func(uint64)) error {
	if len(b)%8 != 0 {
		return errors.New("bad fixed64 data")
	}
	for ; len(b) > 0; b = b[8:] {
		fn(binary.LittleEndian.Uint64(b))
	}
	return nil
}

// modelOpsets reads a model's opset imports (ModelProto.opset_import: domain 1, version 2), the
// default domain under "".
func modelOpsets(path string) (map[string]int64, error) {
	msg, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	opsets := map[string]int64{}
	err = walkProto(msg, func(field int, wire, _ uint64, b []byte) error {
		if field != 8 || wire != 2 {
			return nil
		}
		var domain string
		var version int64
		err := walkProto(b, func(f int, _ uint64, v uint64, s []byte) error {
			switch f {
			case 1:
				domain = string(s)
			case 2:
				version = int64(v)
			}
			return nil
		})
		opsets[domain] = version
		return err
	})
	return opsets, err
}
