package torch

import "testing"

// The shim's schema text is read into parameters and an output count.
func TestParseSignature(t *testing.T) {
	for _, tc := range []struct {
		text    string
		names   string
		outputs int
		list    bool
		entry   bool
	}{
		{"x\tTensor\n->\nTensor\n", "x", 1, false, false},
		{"a\tTensor\nb\tTensor\n->\nTuple[Tensor, Tensor]\n", "a,b", 2, false, false},
		{"xs\tList[Tensor]\n->\nTensor\n", "xs", 1, true, false},
		{"t\tList[Tensor]\nk\tList[str]\na\tList[str]\n->\nList[Tensor]\n", "t,k,a", -1, false, true},
		{"->\nTuple[Tensor, Tuple[Tensor, Tensor]]\n", "", -1, false, false},
	} {
		s, err := parseSignature(tc.text)
		if err != nil {
			t.Fatal(err)
		}
		names := ""
		for i, n := range s.names() {
			if i > 0 {
				names += ","
			}
			names += n
		}
		if names != tc.names || s.outputCount() != tc.outputs || s.listInput() != tc.list || s.entryPoint() != tc.entry {
			t.Errorf("%q: names %q outputs %d list %v entry %v", tc.text, names, s.outputCount(), s.listInput(), s.entryPoint())
		}
	}
	if _, err := parseSignature("x Tensor\n"); err == nil {
		t.Fatal("a schema without returns was accepted")
	}
}
