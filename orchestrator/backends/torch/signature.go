package torch

import (
	"fmt"
	"strings"
)

// signature is the schema of a TorchScript method or function, as the shim describes it: what ssrun
// needs to bind the tensors of a command to its parameters and to count its outputs.
type signature struct {
	params  []param
	returns []string // type annotations, e.g. "Tensor", "Tuple[Tensor, Tensor]", "List[Tensor]"
}

type param struct {
	name, typ string
}

// Parameter kinds ssrun can pass.
const (
	typeTensor     = "Tensor"
	typeTensorList = "List[Tensor]"
	typeStringList = "List[str]"
)

// parseSignature reads the shim's text: "name\ttype" lines, "->", then one return type per line.
func parseSignature(text string) (*signature, error) {
	s := &signature{}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	returns := false
	for _, line := range lines {
		switch {
		case line == "->":
			returns = true
		case returns:
			s.returns = append(s.returns, line)
		default:
			name, typ, ok := strings.Cut(line, "\t")
			if !ok {
				return nil, fmt.Errorf("torch: unreadable schema line %q from the shim", line)
			}
			s.params = append(s.params, param{name: name, typ: typ})
		}
	}
	if !returns {
		return nil, fmt.Errorf("torch: schema from the shim has no returns: %q", text)
	}
	return s, nil
}

// names are the parameter names (a model's input names, as RedisAI reports them).
func (s *signature) names() []string {
	out := make([]string, len(s.params))
	for i, p := range s.params {
		out[i] = p.name
	}
	return out
}

// listInput reports a function taking one List[Tensor]: all the command's tensors go into it.
func (s *signature) listInput() bool {
	return len(s.params) == 1 && s.params[0].typ == typeTensorList
}

// outputCount is how many tensors a run returns: one per Tensor, one per Tensor of a Tuple; -1 when
// it is known only after the run (a List[Tensor], or a type the run itself will refuse).
func (s *signature) outputCount() int {
	n := 0
	for _, r := range s.returns {
		switch {
		case r == typeTensor:
			n++
		case strings.HasPrefix(r, "Tuple[") && strings.HasSuffix(r, "]"):
			for _, e := range splitTypes(r[len("Tuple[") : len(r)-1]) {
				if e != typeTensor {
					return -1 // the run fails with RedisAI's "non-tensor values" error
				}
				n++
			}
		default:
			return -1
		}
	}
	return n
}

// splitTypes splits "Tensor, List[int], Tuple[Tensor, Tensor]" at its top-level commas.
func splitTypes(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// entryPoint reports RedisAI 1.2's entry-point signature (List[Tensor], List[str], List[str]).
func (s *signature) entryPoint() bool {
	return len(s.params) == 3 && s.params[0].typ == typeTensorList &&
		s.params[1].typ == typeStringList && s.params[2].typ == typeStringList
}
