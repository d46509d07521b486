package tensor

import "strings"

// DType is a tensor element type, named as RedisAI names it on the wire.
type DType uint8

// The RedisAI data types. The zero value is Invalid so that a forgotten DType never passes for FLOAT.
const (
	Invalid DType = iota
	Float
	Double
	Int8
	Int16
	Int32
	Int64
	Uint8
	Uint16
	Bool
	// String tensors hold NUL-terminated byte strings of varying length.
	String
)

var dtypeNames = [...]string{
	Invalid: "INVALID",
	Float:   "FLOAT",
	Double:  "DOUBLE",
	Int8:    "INT8",
	Int16:   "INT16",
	Int32:   "INT32",
	Int64:   "INT64",
	Uint8:   "UINT8",
	Uint16:  "UINT16",
	Bool:    "BOOL",
	String:  "STRING",
}

var dtypeSizes = [...]int{
	Float: 4, Double: 8, Int8: 1, Int16: 2, Int32: 4, Int64: 8, Uint8: 1, Uint16: 2, Bool: 1,
}

// ParseDType reads a type name case-insensitively, as RedisAI does. RedisAI accepts exactly the ten
// names of the constants above (no aliases such as FLOAT32), so neither does ParseDType: a name RedisAI
// would refuse must be refused here too, or clients would write commands that fail on a real RedisAI.
func ParseDType(name string) (DType, bool) {
	for d := Float; d <= String; d++ {
		if strings.EqualFold(name, dtypeNames[d]) {
			return d, true
		}
	}
	return Invalid, false
}

// String returns the RedisAI name ("FLOAT", "INT64", ...).
func (d DType) String() string {
	if int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return "INVALID"
}

// Size is the byte size of one element; 0 for STRING (elements vary) and for Invalid.
func (d DType) Size() int {
	if int(d) < len(dtypeSizes) {
		return dtypeSizes[d]
	}
	return 0
}

// Valid reports whether d is one of the RedisAI types.
func (d DType) Valid() bool { return d >= Float && d <= String }

// IsFloat reports whether values of d are answered as doubles (FLOAT, DOUBLE).
func (d DType) IsFloat() bool { return d == Float || d == Double }

// IsInteger reports whether values of d are answered as integers (the INT, UINT types and BOOL).
func (d DType) IsInteger() bool { return d >= Int8 && d <= Bool }
