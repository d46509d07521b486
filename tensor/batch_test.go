package tensor

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestConcatAndSliceRoundTrip(t *testing.T) {
	a, _ := FromFloat32([]int64{1, 2}, []float32{1, 2})
	b, _ := FromFloat32([]int64{2, 2}, []float32{3, 4, 5, 6})
	c, err := Concat([]*Tensor{a, b})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := c.AsFloat32()
	if diff := cmp.Diff([]float32{1, 2, 3, 4, 5, 6}, got); diff != "" || c.Shape[0] != 3 {
		t.Fatalf("concat %v: %s", c.Shape, diff)
	}
	back, err := c.Slice(1, 2)
	if err != nil || !back.Equal(b) {
		t.Fatalf("slice = %v, %v", back, err)
	}
	if _, err := c.Slice(2, 2); err == nil {
		t.Fatal("out-of-range slice must fail")
	}
	odd, _ := FromFloat32([]int64{1, 3}, []float32{1, 2, 3})
	if _, err := Concat([]*Tensor{a, odd}); err == nil {
		t.Fatal("different sample shapes must not concatenate")
	}
}

func TestSliceStrings(t *testing.T) {
	s, _ := FromStrings([]int64{3, 1}, []string{"a", "bb", ""})
	mid, err := s.Slice(1, 2)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := mid.AsStrings()
	if diff := cmp.Diff([]string{"bb", ""}, got); diff != "" || mid.Validate() != nil {
		t.Fatal(diff)
	}
}
