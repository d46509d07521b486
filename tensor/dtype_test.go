package tensor

import "testing"

func TestParseDTypeAcceptsRedisAINamesCaseInsensitively(t *testing.T) {
	cases := []struct {
		name string
		want DType
		size int
	}{
		{"FLOAT", Float, 4}, {"double", Double, 8}, {"Int8", Int8, 1}, {"INT16", Int16, 2},
		{"INT32", Int32, 4}, {"int64", Int64, 8}, {"UINT8", Uint8, 1}, {"uint16", Uint16, 2},
		{"BOOL", Bool, 1}, {"string", String, 0},
	}
	for _, c := range cases {
		got, ok := ParseDType(c.name)
		if !ok || got != c.want {
			t.Errorf("ParseDType(%q) = %v, %v; want %v", c.name, got, ok, c.want)
		}
		if got.Size() != c.size {
			t.Errorf("%v.Size() = %d, want %d", got, got.Size(), c.size)
		}
		if c.want.String() == "" || !c.want.Valid() {
			t.Errorf("%v: bad String/Valid", c.want)
		}
	}
}

func TestParseDTypeRefusesNamesRedisAIRefuses(t *testing.T) {
	for _, name := range []string{"INT128", "FLOAT32", "FLOAT64", "UINT32", "", "BOOLEAN"} {
		if d, ok := ParseDType(name); ok {
			t.Errorf("ParseDType(%q) accepted as %v", name, d)
		}
	}
	if Invalid.Valid() || DType(200).String() != "INVALID" {
		t.Error("invalid dtypes must report themselves")
	}
}
