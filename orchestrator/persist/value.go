package persist

import (
	"fmt"

	"github.com/ssrun/ssrun/tensor"
)

// Kind is the type of a stored value.
type Kind uint8

// The kinds of values a snapshot or log holds. The numbers are part of the file format.
const (
	KindString Kind = 1
	KindList   Kind = 2
	KindHash   Kind = 3
	KindTensor Kind = 4
	KindModel  Kind = 5
	KindScript Kind = 6
)

func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindList:
		return "list"
	case KindHash:
		return "hash"
	case KindTensor:
		return "tensor"
	case KindModel:
		return "model"
	case KindScript:
		return "script"
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// Value is one stored value in the server-neutral form the files hold. Which fields are used depends on
// Kind: Bytes for a string; Items for a list (its elements left to right) or a hash (field, value,
// field, value... in insertion order); Tensor; Model; Script.
type Value struct {
	Kind   Kind
	Bytes  []byte
	Items  [][]byte
	Tensor *tensor.Tensor
	Model  *Model
	Script *Script
}

// Model is what AI.MODELSTORE was given, plus the input and output names the server learnt.
type Model struct {
	Backend, Device                                    string
	Tag                                                []byte
	BatchSize, MinBatchSize, MinBatchTimeout, Adaptive uint64
	Inputs, Outputs                                    []string
	IOKnown                                            bool
	Blob                                               []byte
}

// Script is what AI.SCRIPTSTORE was given.
type Script struct {
	Device      string
	Tag         []byte
	EntryPoints []string
	Source      []byte
}

// encodeValue appends v to e.
func encodeValue(e *encoder, v Value) {
	e.byte(byte(v.Kind))
	switch v.Kind {
	case KindString:
		e.bytes(v.Bytes)
	case KindList, KindHash:
		e.uvarint(uint64(len(v.Items)))
		for _, it := range v.Items {
			e.bytes(it)
		}
	case KindTensor:
		t := v.Tensor
		e.byte(byte(t.DType))
		e.uvarint(uint64(len(t.Shape)))
		for _, d := range t.Shape {
			e.uvarint(uint64(d))
		}
		e.bytes(t.Data)
	case KindModel:
		m := v.Model
		e.str(m.Backend)
		e.str(m.Device)
		e.bytes(m.Tag)
		for _, n := range []uint64{m.BatchSize, m.MinBatchSize, m.MinBatchTimeout, m.Adaptive} {
			e.uvarint(n)
		}
		e.strs(m.Inputs)
		e.strs(m.Outputs)
		e.bool(m.IOKnown)
		e.bytes(m.Blob)
	case KindScript:
		s := v.Script
		e.str(s.Device)
		e.bytes(s.Tag)
		e.strs(s.EntryPoints)
		e.bytes(s.Source)
	default:
		panic(fmt.Sprintf("persist: cannot encode %v", v.Kind))
	}
}

// decodeValue reads a value; slices share d's buffer.
func decodeValue(d *decoder) (Value, error) {
	v := Value{Kind: Kind(d.byte())}
	switch v.Kind {
	case KindString:
		v.Bytes = d.bytes()
	case KindList, KindHash:
		n := d.count(1)
		if v.Kind == KindHash && n%2 != 0 {
			return v, fmt.Errorf("hash with an odd number of fields and values (%d)", n)
		}
		v.Items = make([][]byte, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			v.Items = append(v.Items, d.bytes())
		}
	case KindTensor:
		dt := tensor.DType(d.byte())
		nd := d.count(1)
		shape := make([]int64, 0, nd)
		for i := 0; i < nd && d.err == nil; i++ {
			dim := d.uvarint()
			if dim > tensor.MaxElements {
				return v, fmt.Errorf("tensor dimension %d out of range", dim)
			}
			shape = append(shape, int64(dim))
		}
		data := d.bytes()
		if d.err != nil {
			return v, d.err
		}
		t, err := tensor.New(dt, shape, data)
		if err != nil {
			return v, fmt.Errorf("invalid tensor: %v", err)
		}
		v.Tensor = t
	case KindModel:
		m := &Model{Backend: d.str(), Device: d.str(), Tag: d.bytes()}
		m.BatchSize, m.MinBatchSize, m.MinBatchTimeout, m.Adaptive = d.uvarint(), d.uvarint(), d.uvarint(), d.uvarint()
		m.Inputs, m.Outputs = d.strs(), d.strs()
		m.IOKnown = d.bool()
		m.Blob = d.bytes()
		v.Model = m
	case KindScript:
		v.Script = &Script{Device: d.str(), Tag: d.bytes(), EntryPoints: d.strs(), Source: d.bytes()}
	default:
		return v, fmt.Errorf("unknown value kind %d", uint8(v.Kind))
	}
	return v, d.err
}
