package client

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/ssrun/ssrun/tensor"
)

// MetaType is the type byte SmartRedis writes at the start of each metadata field's value.
type MetaType int8

// SmartRedis's metadata types.
const (
	MetaDouble MetaType = 1 + iota
	MetaFloat
	MetaInt32
	MetaInt64
	MetaUint32
	MetaUint64
	MetaString
)

// Reserved fields of a dataset's ".meta" hash.
const (
	tensorNamesField = ".tensor_names"
	completeField    = ".COMPLETE"
)

// Dataset is SmartRedis's DataSet: named tensors plus metadata fields, each a list of scalars of one
// numeric type or a list of strings, stored together under the dataset's name.
type Dataset struct {
	Name        string
	tensorNames []string
	tensors     map[string]*tensor.Tensor
	metaNames   []string
	meta        map[string]*metaField
}

// metaField is one metadata field: its type and its values encoded as SmartRedis stores them (without
// the type byte).
type metaField struct {
	typ  MetaType
	data []byte
}

// NewDataset returns an empty dataset called name.
func NewDataset(name string) *Dataset {
	return &Dataset{Name: name, tensors: map[string]*tensor.Tensor{}, meta: map[string]*metaField{}}
}

// AddTensor adds t under name; names are unique within a dataset.
func (d *Dataset) AddTensor(name string, t *tensor.Tensor) error {
	if name == "" {
		return fmt.Errorf("dataset %q: a tensor needs a name", d.Name)
	}
	if _, dup := d.tensors[name]; dup {
		return fmt.Errorf("dataset %q already has a tensor %q", d.Name, name)
	}
	if t == nil {
		return fmt.Errorf("dataset %q: tensor %q is nil", d.Name, name)
	}
	if err := t.Validate(); err != nil {
		return fmt.Errorf("dataset %q: tensor %q: %w", d.Name, name, err)
	}
	d.tensorNames = append(d.tensorNames, name)
	d.tensors[name] = t
	return nil
}

// Tensor returns the tensor called name.
func (d *Dataset) Tensor(name string) (*tensor.Tensor, error) {
	t, ok := d.tensors[name]
	if !ok {
		return nil, fmt.Errorf("dataset %q has no tensor %q: %w", d.Name, name, ErrNotFound)
	}
	return t, nil
}

// TensorNames lists the tensors in the order they were added.
func (d *Dataset) TensorNames() []string { return append([]string(nil), d.tensorNames...) }

// MetaNames lists the metadata fields in the order they were first added.
func (d *Dataset) MetaNames() []string { return append([]string(nil), d.metaNames...) }

// MetaTypeOf returns the type of the metadata field name.
func (d *Dataset) MetaTypeOf(name string) (MetaType, bool) {
	f, ok := d.meta[name]
	if !ok {
		return 0, false
	}
	return f.typ, true
}

// AddMetaScalar appends value (float64, float32, int32, int64, uint32 or uint64) to the metadata
// field name. Every value of a field has the type of its first.
func (d *Dataset) AddMetaScalar(name string, value any) error {
	var typ MetaType
	var enc []byte
	switch v := value.(type) {
	case float64:
		typ, enc = MetaDouble, binary.LittleEndian.AppendUint64(nil, math.Float64bits(v))
	case float32:
		typ, enc = MetaFloat, binary.LittleEndian.AppendUint32(nil, math.Float32bits(v))
	case int32:
		typ, enc = MetaInt32, binary.LittleEndian.AppendUint32(nil, uint32(v))
	case int64:
		typ, enc = MetaInt64, binary.LittleEndian.AppendUint64(nil, uint64(v))
	case uint32:
		typ, enc = MetaUint32, binary.LittleEndian.AppendUint32(nil, v)
	case uint64:
		typ, enc = MetaUint64, binary.LittleEndian.AppendUint64(nil, v)
	default:
		return fmt.Errorf("dataset %q: metadata %q: %T is not a metadata scalar type (float64, float32, int32, int64, uint32, uint64)", d.Name, name, value)
	}
	return d.appendMeta(name, typ, enc)
}

// AddMetaString appends value to the string metadata field name.
func (d *Dataset) AddMetaString(name, value string) error {
	enc := binary.LittleEndian.AppendUint64(nil, uint64(len(value)))
	return d.appendMeta(name, MetaString, append(enc, value...))
}

func (d *Dataset) appendMeta(name string, typ MetaType, enc []byte) error {
	if name == "" || name == tensorNamesField || name == completeField {
		return fmt.Errorf("dataset %q: %q cannot name a metadata field", d.Name, name)
	}
	f, ok := d.meta[name]
	if !ok {
		f = &metaField{typ: typ}
		d.meta[name] = f
		d.metaNames = append(d.metaNames, name)
	} else if f.typ != typ {
		return fmt.Errorf("dataset %q: metadata %q holds %s values, not %s", d.Name, name, f.typ, typ)
	}
	f.data = append(f.data, enc...)
	return nil
}

// MetaScalars returns the values of a numeric metadata field as a slice of its type ([]float64,
// []float32, []int32, []int64, []uint32 or []uint64).
func (d *Dataset) MetaScalars(name string) (any, error) {
	f, ok := d.meta[name]
	if !ok {
		return nil, fmt.Errorf("dataset %q has no metadata %q: %w", d.Name, name, ErrNotFound)
	}
	if f.typ == MetaString {
		return nil, fmt.Errorf("dataset %q: metadata %q holds strings; use MetaStrings", d.Name, name)
	}
	return decodeScalars(f.typ, f.data)
}

// MetaStrings returns the values of a string metadata field.
func (d *Dataset) MetaStrings(name string) ([]string, error) {
	f, ok := d.meta[name]
	if !ok {
		return nil, fmt.Errorf("dataset %q has no metadata %q: %w", d.Name, name, ErrNotFound)
	}
	if f.typ != MetaString {
		return nil, fmt.Errorf("dataset %q: metadata %q holds %s values; use MetaScalars", d.Name, name, f.typ)
	}
	return decodeStrings(f.data)
}

// String names the type as SmartRedis's MetaDataType does.
func (t MetaType) String() string {
	switch t {
	case MetaDouble:
		return "double"
	case MetaFloat:
		return "float"
	case MetaInt32:
		return "int32"
	case MetaInt64:
		return "int64"
	case MetaUint32:
		return "uint32"
	case MetaUint64:
		return "uint64"
	case MetaString:
		return "string"
	}
	return fmt.Sprintf("MetaType(%d)", int8(t))
}

// width is the byte size of one scalar of type t.
func (t MetaType) width() int {
	switch t {
	case MetaDouble, MetaInt64, MetaUint64:
		return 8
	case MetaFloat, MetaInt32, MetaUint32:
		return 4
	}
	return 0
}

func decodeScalars(t MetaType, data []byte) (any, error) {
	w := t.width()
	if w == 0 || len(data)%w != 0 {
		return nil, fmt.Errorf("metadata of type %s has %d bytes, not a multiple of %d", t, len(data), w)
	}
	n := len(data) / w
	u32 := func(i int) uint32 { return binary.LittleEndian.Uint32(data[i*4:]) }
	u64 := func(i int) uint64 { return binary.LittleEndian.Uint64(data[i*8:]) }
	switch t {
	case MetaDouble:
		return fill(n, func(i int) float64 { return math.Float64frombits(u64(i)) }), nil
	case MetaFloat:
		return fill(n, func(i int) float32 { return math.Float32frombits(u32(i)) }), nil
	case MetaInt32:
		return fill(n, func(i int) int32 { return int32(u32(i)) }), nil
	case MetaInt64:
		return fill(n, func(i int) int64 { return int64(u64(i)) }), nil
	case MetaUint32:
		return fill(n, u32), nil
	default:
		return fill(n, u64), nil
	}
}

func fill[T any](n int, at func(int) T) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = at(i)
	}
	return out
}

func decodeStrings(data []byte) ([]string, error) {
	var out []string
	for len(data) > 0 {
		if len(data) < 8 {
			return nil, fmt.Errorf("string metadata is truncated: %d bytes left for an 8-byte length", len(data))
		}
		n := binary.LittleEndian.Uint64(data)
		data = data[8:]
		if n > uint64(len(data)) {
			return nil, fmt.Errorf("string metadata is truncated: length %d with %d bytes left", n, len(data))
		}
		out = append(out, string(data[:n]))
		data = data[n:]
	}
	return out, nil
}

// encodeMeta is a field's value in the ".meta" hash: the type byte, then the values.
func encodeMeta(f *metaField) []byte {
	return append([]byte{byte(f.typ)}, f.data...)
}

// decodeMeta reads a field's value from the ".meta" hash.
func decodeMeta(name string, v string) (*metaField, error) {
	if len(v) == 0 {
		return nil, fmt.Errorf("metadata %q is empty (no type byte)", name)
	}
	f := &metaField{typ: MetaType(v[0]), data: []byte(v[1:])}
	if f.typ == MetaString {
		if _, err := decodeStrings(f.data); err != nil {
			return nil, fmt.Errorf("metadata %q: %w", name, err)
		}
		return f, nil
	}
	if _, err := decodeScalars(f.typ, f.data); err != nil {
		return nil, fmt.Errorf("metadata %q: %w", name, err)
	}
	return f, nil
}

// tensorNamesValue encodes the ".tensor_names" field: a string field holding the tensor names.
func (d *Dataset) tensorNamesValue() []byte {
	f := &metaField{typ: MetaString}
	for _, n := range d.tensorNames {
		f.data = binary.LittleEndian.AppendUint64(f.data, uint64(len(n)))
		f.data = append(f.data, n...)
	}
	return encodeMeta(f)
}
