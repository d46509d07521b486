package tensor

import (
	"bytes"
	"testing"
)

// FuzzDecode builds tensors from arbitrary BLOB bytes and VALUES lists for every dtype: construction
// must never panic, and whatever is accepted must be valid, hold exactly its shape's elements and
// survive a round trip through its own data.
func FuzzDecode(f *testing.F) {
	f.Add(uint8(Float), uint16(2), uint16(2), []byte("0123456789abcdef"), []byte("1 2 3.5 -4"))
	f.Add(uint8(Double), uint16(1), uint16(1), []byte("01234567"), []byte("nan"))
	f.Add(uint8(Int8), uint16(3), uint16(0), []byte{1, 2, 255}, []byte("1 -2 127"))
	f.Add(uint8(Int64), uint16(1), uint16(0), []byte("01234567"), []byte("9223372036854775807"))
	f.Add(uint8(Uint16), uint16(2), uint16(0), []byte{1, 0, 2, 0}, []byte("65535 0"))
	f.Add(uint8(Bool), uint16(2), uint16(0), []byte{0, 1}, []byte("1 0"))
	f.Add(uint8(String), uint16(2), uint16(0), []byte("a\x00bc\x00"), []byte("a bc"))
	f.Add(uint8(Int16), uint16(1), uint16(0), []byte{0, 0x80}, []byte("-32768"))
	f.Add(uint8(Float), uint16(0), uint16(7), []byte{}, []byte(""))
	f.Fuzz(func(t *testing.T, dt uint8, d0, d1 uint16, blob, values []byte) {
		dtype := DType(dt % 12)
		shape := []int64{int64(d0 % 512)}
		if d1 > 0 {
			shape = append(shape, int64(d1%512))
		}
		if tt, err := New(dtype, shape, blob); err == nil {
			check(t, tt)
			again, err := New(tt.DType, tt.Shape, bytes.Clone(tt.Data))
			if err != nil || !again.Equal(tt) {
				t.Fatalf("BLOB tensor does not round-trip: %v", err)
			}
		}
		if tt, err := ParseValues(dtype, shape, bytes.Fields(values)); err == nil {
			check(t, tt)
		}
	})
}

func check(t *testing.T, tt *Tensor) {
	t.Helper()
	if err := tt.Validate(); err != nil {
		t.Fatalf("accepted tensor is invalid: %v", err)
	}
	n, err := NumElements(tt.Shape)
	if err != nil || int64(tt.Len()) != n {
		t.Fatalf("tensor of shape %v holds %d elements (%v)", tt.Shape, tt.Len(), err)
	}
}
