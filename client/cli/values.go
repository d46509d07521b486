package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/ssrun/ssrun/tensor"
)

// parseShape reads "2,3" (or "2x3"); empty means unknown.
func parseShape(s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == 'x' })
	shape := make([]int64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || n <= 0 {
			return nil, usagef("--shape %q: dimension %q is not a positive integer", s, p)
		}
		shape[i] = n
	}
	if len(parts) == 0 {
		return nil, usagef("--shape %q has no dimension", s)
	}
	return shape, nil
}

// parseValues reads values written as text into a tensor of dtype and shape. Unlike RedisAI's VALUES
// (which refuses every negative integer) each value is checked against its type's real range.
func parseValues(dtype tensor.DType, shape []int64, words []string) (*tensor.Tensor, error) {
	if shape == nil {
		shape = []int64{int64(len(words))}
	}
	n, err := tensor.NumElements(shape)
	if err != nil {
		return nil, usagef("shape %v: %v", shape, err)
	}
	if int64(len(words)) != n {
		return nil, usagef("shape %v holds %d values but %d were given", shape, n, len(words))
	}
	if dtype == tensor.String {
		return tensor.FromStrings(shape, words)
	}
	bad := func(i int, w string) error {
		return usagef("value %d %q is not a valid %s", i+1, w, dtype)
	}
	switch dtype {
	case tensor.Float, tensor.Double:
		bits := 64
		if dtype == tensor.Float {
			bits = 32
		}
		f := make([]float64, len(words))
		for i, w := range words {
			v, err := strconv.ParseFloat(w, bits)
			if err != nil {
				return nil, bad(i, w)
			}
			f[i] = v
		}
		if dtype == tensor.Double {
			return tensor.FromFloat64(shape, f)
		}
		f32 := make([]float32, len(f))
		for i, v := range f {
			f32[i] = float32(v)
		}
		return tensor.FromFloat32(shape, f32)
	case tensor.Bool:
		b := make([]bool, len(words))
		for i, w := range words {
			v, err := strconv.ParseBool(w)
			if err != nil {
				return nil, bad(i, w)
			}
			b[i] = v
		}
		return tensor.FromBool(shape, b)
	}
	ints := make([]int64, len(words))
	for i, w := range words {
		v, err := parseInt(dtype, w)
		if err != nil {
			return nil, bad(i, w)
		}
		ints[i] = v
	}
	return intTensor(dtype, shape, ints)
}

func parseInt(dtype tensor.DType, w string) (int64, error) {
	switch dtype {
	case tensor.Uint8, tensor.Uint16:
		u, err := strconv.ParseUint(w, 0, dtype.Size()*8)
		return int64(u), err
	default:
		return strconv.ParseInt(w, 0, dtype.Size()*8)
	}
}

func intTensor(dtype tensor.DType, shape []int64, v []int64) (*tensor.Tensor, error) {
	switch dtype {
	case tensor.Int8:
		return tensor.From(shape, convert[int8](v))
	case tensor.Int16:
		return tensor.From(shape, convert[int16](v))
	case tensor.Int32:
		return tensor.From(shape, convert[int32](v))
	case tensor.Int64:
		return tensor.From(shape, v)
	case tensor.Uint8:
		return tensor.From(shape, convert[uint8](v))
	case tensor.Uint16:
		return tensor.From(shape, convert[uint16](v))
	}
	return nil, fmt.Errorf("unsupported type %s", dtype)
}

func convert[T int8 | int16 | int32 | uint8 | uint16](v []int64) []T {
	out := make([]T, len(v))
	for i, x := range v {
		out[i] = T(x)
	}
	return out
}

// valueStrings renders every element as text: floats in their shortest exact form for their width,
// integers in decimal, BOOL as 0/1 (the form RedisAI's VALUES uses), strings as they are.
func valueStrings(t *tensor.Tensor) ([]string, error) {
	n := t.Len()
	out := make([]string, n)
	switch {
	case t.DType == tensor.String:
		return t.AsStrings()
	case t.DType == tensor.Float:
		f, err := t.AsFloat32()
		if err != nil {
			return nil, err
		}
		for i, v := range f {
			out[i] = strconv.FormatFloat(float64(v), 'g', -1, 32)
		}
	case t.DType == tensor.Double:
		f, err := t.AsFloat64()
		if err != nil {
			return nil, err
		}
		for i, v := range f {
			out[i] = strconv.FormatFloat(v, 'g', -1, 64)
		}
	default:
		for i := 0; i < n; i++ {
			out[i] = strconv.FormatInt(t.IntAt(i), 10)
		}
	}
	return out, nil
}

// writeValues prints the values one row (last dimension) per line, space-separated; a 0-d or 1-d
// tensor is one line.
func writeValues(w io.Writer, t *tensor.Tensor) error {
	vals, err := valueStrings(t)
	if err != nil {
		return err
	}
	row := len(vals)
	if len(t.Shape) > 1 {
		row = int(t.Shape[len(t.Shape)-1])
	}
	if row == 0 {
		_, err := fmt.Fprintln(w)
		return err
	}
	for i := 0; i < len(vals); i += row {
		if _, err := fmt.Fprintln(w, strings.Join(vals[i:i+row], " ")); err != nil {
			return err
		}
	}
	return nil
}

// tensorJSON is the --format json form: type, shape and the values flattened row-major.
type tensorJSON struct {
	DType  string  `json:"dtype"`
	Shape  []int64 `json:"shape"`
	Values []any   `json:"values"`
}

func writeJSON(w io.Writer, t *tensor.Tensor) error {
	out, err := toTensorJSON(t)
	if err != nil {
		return err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func toTensorJSON(t *tensor.Tensor) (tensorJSON, error) {
	vals, err := valueStrings(t)
	if err != nil {
		return tensorJSON{}, err
	}
	out := tensorJSON{DType: t.DType.String(), Shape: t.Shape, Values: make([]any, len(vals))}
	if out.Shape == nil {
		out.Shape = []int64{}
	}
	for i, s := range vals {
		out.Values[i] = jsonValue(t.DType, s)
	}
	return out, nil
}

// jsonValue makes a number JSON can carry: json.Number keeps the printed digits exactly; NaN and
// infinities, which JSON has no number for, become the strings "NaN", "+Inf", "-Inf".
func jsonValue(dtype tensor.DType, s string) any {
	if dtype == tensor.String {
		return s
	}
	if dtype.IsFloat() {
		if f, _ := strconv.ParseFloat(s, 64); math.IsNaN(f) || math.IsInf(f, 0) {
			return s
		}
	}
	return json.Number(s)
}
