package runtime

// ValueKind is the script-level type of a parameter value before it becomes a string.
type ValueKind int

// Kinds a parameter value may have. KindOther stands for anything else (dict, None, function, ...): it is
// carried so that validation, not the adapter, decides the error and its SmartSim text.
const (
	KindString ValueKind = iota
	KindInt
	KindFloat
	KindBool
	KindList
	KindOther
)

// ParamValue is a script value given as a parameter, already rendered with the script language's str():
// Text for a scalar, Items for a list (each element's str()). TypeName names the script type for errors.
type ParamValue struct {
	Kind     ValueKind
	Text     string
	Items    []string
	TypeName string
}

// Scalar returns a scalar ParamValue of the given kind.
func Scalar(kind ValueKind, text string) ParamValue { return ParamValue{Kind: kind, Text: text} }

// List returns a list ParamValue.
func List(items ...string) ParamValue { return ParamValue{Kind: KindList, Items: items} }

// Str is shorthand for a string scalar.
func Str(s string) ParamValue { return Scalar(KindString, s) }

// ParamSpec is one named entry of the params dict given to create_ensemble or create_model, in the
// script's key order.
type ParamSpec struct {
	Name  string
	Value ParamValue
}

// Param is one resolved member parameter: a key and its string value.
type Param struct {
	Key   string
	Value string
}

// Params is an ordered set of member parameters. Order is the params dict's key order; it reaches the
// command line (params_as_args), smartsim_params.txt and plans, so it is kept explicit.
type Params []Param

// Get returns the value of key and whether it is present.
func (p Params) Get(key string) (string, bool) {
	for _, kv := range p {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// Keys returns the keys in order.
func (p Params) Keys() []string {
	keys := make([]string, len(p))
	for i, kv := range p {
		keys[i] = kv.Key
	}
	return keys
}

// Clone returns an independent copy.
func (p Params) Clone() Params { return append(Params(nil), p...) }

// paramValuesOf turns one ensemble parameter into its list of candidate values as SmartSim reads them
// (a list stays a list; a scalar is broadcast as a one-element list) and rejects other types with
// SmartSim's message. Floats and bools are accepted (docs/design.md §4).
func paramValuesOf(v ParamValue) ([]string, error) {
	switch v.Kind {
	case KindList:
		return append([]string(nil), v.Items...), nil
	case KindString, KindInt, KindFloat, KindBool:
		return []string{v.Text}, nil
	default:
		return nil, Errorf(TypeError, "Incorrect type for ensemble parameters\nMust be list, int, or string.")
	}
}

// modelParamsOf converts create_model params: scalars become strings; anything else is a TypeError
// (as SmartSim 0.8, which str()s values and rejects non-str/non-number values).
func modelParamsOf(specs []ParamSpec) (Params, error) {
	out := make(Params, 0, len(specs))
	for _, s := range specs {
		switch s.Value.Kind {
		case KindString, KindInt, KindFloat, KindBool:
			out = append(out, Param{Key: s.Name, Value: s.Value.Text})
		default:
			return nil, Errorf(TypeError, "Incorrect type for model parameter %q: must be str, int, float or bool, not %s", s.Name, typeNameOf(s.Value))
		}
	}
	return out, nil
}

func typeNameOf(v ParamValue) string {
	if v.TypeName != "" {
		return v.TypeName
	}
	switch v.Kind {
	case KindList:
		return "list"
	case KindString:
		return "string"
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindBool:
		return "bool"
	}
	return "unknown"
}
