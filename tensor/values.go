package tensor

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
)

// ParseValues builds a tensor from the VALUES arguments of AI.TENSORSET with RedisAI's rules and errors:
// the count must equal the product of shape; FLOAT and DOUBLE values are parsed as C doubles (NaN
// refused); integer types are parsed as long long and range-checked. RedisAI's range check for the
// signed types casts to unsigned, so it refuses every negative value: ssrun keeps that quirk, because a
// client that works against ssrun must also work against RedisAI. STRING values may not contain NUL.
func ParseValues(dtype DType, shape []int64, values [][]byte) (*Tensor, error) {
	if !dtype.Valid() {
		return nil, ErrInvalidDType
	}
	n, err := NumElements(shape)
	if err != nil {
		return nil, err
	}
	if int64(len(values)) != n {
		return nil, ErrValueCount
	}
	if dtype == String {
		return parseStringValues(shape, values)
	}
	data := make([]byte, int(n)*dtype.Size())
	for i, v := range values {
		if dtype.IsFloat() {
			f, ok := parseDouble(v)
			if !ok {
				return nil, ErrInvalidValue
			}
			putFloat(dtype, data, i, f)
			continue
		}
		x, ok := parseLongLong(v)
		if !ok || overflows(dtype, x) {
			return nil, ErrInvalidValue
		}
		putInt(dtype, data, i, x)
	}
	return &Tensor{DType: dtype, Shape: shape, Data: data}, nil
}

// parseStringValues joins the values NUL-terminated. As in RedisAI, a value that already ends in NUL
// keeps that one NUL; a NUL anywhere else is refused.
func parseStringValues(shape []int64, values [][]byte) (*Tensor, error) {
	size := 0
	for _, v := range values {
		if len(v) > 1 && bytes.IndexByte(v[:len(v)-1], 0) >= 0 {
			return nil, ErrNulInString
		}
		size += len(v) + 1
	}
	data := make([]byte, 0, size)
	for _, v := range values {
		data = append(data, v...)
		if len(v) == 0 || v[len(v)-1] != 0 {
			data = append(data, 0)
		}
	}
	return &Tensor{DType: String, Shape: shape, Data: data}, nil
}

// overflows is RedisAI's range check: signed types accept 0..2^(bits-1)-1 (negatives are refused, see
// ParseValues), unsigned types 0..2^bits-1, BOOL 0 or 1.
func overflows(dtype DType, x int64) bool {
	bits := uint(8 * dtype.Size())
	switch dtype {
	case Int8, Int16, Int32, Int64:
		return uint64(x) >= uint64(1)<<(bits-1)
	case Uint8, Uint16:
		return x < 0 || x >= int64(1)<<bits
	case Bool:
		return x < 0 || x > 1
	}
	return true
}

// parseLongLong follows Redis's string2ll: optional '-', no '+', no spaces, no leading zeros, and
// no overflow.
func parseLongLong(b []byte) (int64, bool) {
	s := string(b)
	if s == "0" {
		return 0, true
	}
	digits := s
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || digits[0] < '1' || digits[0] > '9' {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	x, err := strconv.ParseInt(s, 10, 64)
	return x, err == nil
}

// parseDouble follows Redis's getDoubleFromObject (strtod): no leading space, the whole string consumed,
// NaN refused, overflow and underflow to zero refused. C accepts hex floats without a 'p' exponent and
// Go does not, so one is added.
func parseDouble(b []byte) (float64, bool) {
	s := string(b)
	if s == "" || s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' || s[0] == '\v' || s[0] == '\f' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '_' { // Go-only digit separator
			return 0, false
		}
	}
	if isHex(s) && !bytes.ContainsAny(b, "pP") {
		s += "p0"
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	if f == 0 && hasNonZeroMantissa(s) {
		return 0, false // underflow: strtod sets ERANGE and Redis refuses
	}
	return f, true
}

func isHex(s string) bool {
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	return len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
}

func hasNonZeroMantissa(s string) bool {
	hex := isHex(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if hex {
			if c == 'p' || c == 'P' {
				return false
			}
			if i > 0 && (s[i-1] == '0' && (c == 'x' || c == 'X')) {
				continue
			}
			if (c >= '1' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') {
				return true
			}
			continue
		}
		if c == 'e' || c == 'E' {
			return false
		}
		if c >= '1' && c <= '9' {
			return true
		}
	}
	return false
}

func putFloat(dtype DType, data []byte, i int, f float64) {
	if dtype == Float {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(float32(f)))
		return
	}
	binary.LittleEndian.PutUint64(data[8*i:], math.Float64bits(f))
}

func putInt(dtype DType, data []byte, i int, x int64) {
	switch dtype.Size() {
	case 1:
		data[i] = byte(x)
	case 2:
		binary.LittleEndian.PutUint16(data[2*i:], uint16(x))
	case 4:
		binary.LittleEndian.PutUint32(data[4*i:], uint32(x))
	case 8:
		binary.LittleEndian.PutUint64(data[8*i:], uint64(x))
	}
}

// FloatAt returns element i of a FLOAT or DOUBLE tensor as a double (what AI.TENSORGET VALUES answers).
func (t *Tensor) FloatAt(i int) float64 {
	if t.DType == Float {
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:])))
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:]))
}

// IntAt returns element i of an integer or BOOL tensor, sign-extended for the signed types.
func (t *Tensor) IntAt(i int) int64 {
	switch t.DType {
	case Int8:
		return int64(int8(t.Data[i]))
	case Int16:
		return int64(int16(binary.LittleEndian.Uint16(t.Data[2*i:])))
	case Int32:
		return int64(int32(binary.LittleEndian.Uint32(t.Data[4*i:])))
	case Int64:
		return int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
	case Uint16:
		return int64(binary.LittleEndian.Uint16(t.Data[2*i:]))
	default: // Uint8, Bool
		return int64(t.Data[i])
	}
}

// FormatDouble prints f as Redis 7.0 answers a double under RESP2: C's "%.17g" (so 0.1f read as a double
// is "0.10000000149011612" and 4 is "4"), with "inf"/"-inf" and glibc's "nan"/"-nan".
func FormatDouble(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', 17, 64)
}

// ParseLongLong parses an integer as Redis does (string2ll): decimal, optional '-', no '+', no
// spaces, no leading zeros, within int64.
func ParseLongLong(b []byte) (int64, bool) { return parseLongLong(b) }

// ParseDouble parses a float as Redis does (strtod on the whole string, NaN refused).
func ParseDouble(b []byte) (float64, bool) { return parseDouble(b) }
