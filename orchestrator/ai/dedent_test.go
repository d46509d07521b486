package ai

import "testing"

// What inspect.getsource returns for a nested function compiles after dedenting; sources without
// common indentation, or with mixed tabs and spaces, are left alone.
func TestDedent(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"    def f(x):\n        return x\n", "def f(x):\n    return x\n"},
		{"    def f(x):\n\n        return x\n    \n", "def f(x):\n\n    return x\n\n"},
		{"\tdef f(x):\n\t\treturn x", "def f(x):\n\treturn x"},
		{"def f(x):\n    return x\n", "def f(x):\n    return x\n"},
		{"  def f(x):\n\treturn x\n", "  def f(x):\n\treturn x\n"},
		{"", ""},
		{"   \n  \n", "   \n  \n"},
	} {
		if got := string(dedent([]byte(tc.in))); got != tc.want {
			t.Errorf("dedent(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
