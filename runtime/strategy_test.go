package runtime

import (
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAllPermLastKeyFastest(t *testing.T) { // cases 1, 3
	exp, _ := newExp(t, "")
	rs := mustRS(t, exp, "true")
	ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: rs, Params: []ParamSpec{
		{"h", ints("5", "6")}, {"g_param", List("a", "b")}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Params{
		{{"h", "5"}, {"g_param", "a"}}, {{"h", "5"}, {"g_param", "b"}},
		{{"h", "6"}, {"g_param", "a"}}, {{"h", "6"}, {"g_param", "b"}},
	}
	if diff := cmp.Diff(want, memberParams(ens)); diff != "" {
		t.Fatal(diff)
	}
	for i, m := range ens.Models() {
		if m.Name != "ens_"+strconv.Itoa(i) || m.Path != exp.Path+"/ens/ens_"+strconv.Itoa(i) {
			t.Fatalf("member %d: name %s path %s", i, m.Name, m.Path)
		}
	}
}

func TestAllPermEmptyListGivesNoMembers(t *testing.T) {
	exp, _ := newExp(t, "")
	ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "e", RunSettings: mustRS(t, exp, "true"),
		Params: []ParamSpec{{"h", List()}, {"g", List("a")}}})
	if err != nil || ens.Len() != 0 {
		t.Fatalf("len %d err %v", ens.Len(), err)
	}
}

func TestStepZipsAndBroadcastsScalars(t *testing.T) { // case 2 + docs/design.md §4
	exp, _ := newExp(t, "")
	rs := mustRS(t, exp, "true")
	ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "e", RunSettings: rs, Strategy: Strategy{Name: "step"},
		Params: []ParamSpec{{"h", ints("5", "6")}, {"g", ints("7", "8")}, {"c", Scalar(KindFloat, "0.5")}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Params{{{"h", "5"}, {"g", "7"}, {"c", "0.5"}}, {{"h", "6"}, {"g", "8"}, {"c", "0.5"}}}
	if diff := cmp.Diff(want, memberParams(ens)); diff != "" {
		t.Fatal(diff)
	}
}

func TestStepUnequalLengthsNamesThem(t *testing.T) {
	exp, _ := newExp(t, "")
	_, err := exp.CreateEnsemble(EnsembleArgs{Name: "e", RunSettings: mustRS(t, exp, "true"), Strategy: Strategy{Name: "step"},
		Params: []ParamSpec{{"h", ints("5", "6")}, {"g", ints("7", "8", "9")}}})
	wantErr(t, err, ValueError, "h=2, g=3")
}

func TestRandomSeededAndRecorded(t *testing.T) { // case 4
	exp, _ := newExp(t, "", func(o *Options) { o.Seed = 7 })
	rs := mustRS(t, exp, "true")
	values := ints("4", "5", "6", "7", "8")
	mk := func(n int, seed *uint64) *Ensemble {
		ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "e", RunSettings: rs, Strategy: Strategy{Name: "random"},
			NModels: n, Seed: seed, Params: []ParamSpec{{"h", values}}})
		if err != nil {
			t.Fatal(err)
		}
		return ens
	}
	for _, n := range []int{5, 4, 2} {
		ens := mk(n, nil)
		if ens.Len() != n || ens.Seed != 7 {
			t.Fatalf("n_models %d: %d members, seed %d", n, ens.Len(), ens.Seed)
		}
		seen := map[string]bool{}
		for _, p := range memberParams(ens) {
			v, _ := p.Get("h")
			if seen[v] || v < "4" || v > "8" {
				t.Fatalf("bad or repeated value %q", v)
			}
			seen[v] = true
		}
	}
	if diff := cmp.Diff(memberParams(mk(2, nil)), memberParams(mk(2, nil))); diff != "" {
		t.Fatalf("same seed, different sample: %s", diff)
	}
	other := uint64(99)
	if e := mk(2, &other); e.Seed != 99 {
		t.Fatalf("seed= not recorded: %d", e.Seed)
	}
}

func TestUserStrategy(t *testing.T) { // cases 2, 7
	exp, _ := newExp(t, "")
	rs := mustRS(t, exp, "true")
	zip := func(names []string, values [][]string, n int) ([]Params, error) {
		var out []Params
		for j := range values[0] {
			var p Params
			for i, name := range names {
				p = append(p, Param{name, values[i][j]})
			}
			out = append(out, p)
		}
		return out, nil
	}
	ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "e", RunSettings: rs, Strategy: Strategy{Name: "zip", User: zip},
		Params: []ParamSpec{{"h", ints("5", "6")}, {"g", ints("7", "8")}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Params{{{"h", "5"}, {"g", "7"}}, {{"h", "6"}, {"g", "8"}}}, memberParams(ens)); diff != "" {
		t.Fatal(diff)
	}
	bad := func([]string, [][]string, int) ([]Params, error) { return nil, UserStrategyErr("bad") }
	_, err = exp.CreateEnsemble(EnsembleArgs{Name: "e", RunSettings: rs, Strategy: Strategy{Name: "bad", User: bad},
		Params: []ParamSpec{{"h", ints("5")}}})
	wantErr(t, err, UserStrategyError, "bad")
}

func TestUnknownStrategyAndBadParamType(t *testing.T) { // case 7
	exp, _ := newExp(t, "")
	rs := mustRS(t, exp, "true")
	_, err := exp.CreateEnsemble(EnsembleArgs{Name: "e", RunSettings: rs, Strategy: Strategy{Name: "not-a-strategy"},
		Params: []ParamSpec{{"h", ints("5")}}})
	if err == nil || err.Error() != "SSUnsupportedError: Permutation strategy given is not supported: not-a-strategy" {
		t.Fatalf("got %v", err)
	}
	_, err = exp.CreateEnsemble(EnsembleArgs{Name: "e", RunSettings: rs,
		Params: []ParamSpec{{"h", ParamValue{Kind: KindOther, TypeName: "dict"}}}})
	if err == nil || err.Error() != "TypeError: Incorrect type for ensemble parameters\nMust be list, int, or string." {
		t.Fatalf("got %v", err)
	}
}

func TestReplicasAndParamsTimesReplicas(t *testing.T) {
	exp, _ := newExp(t, "")
	rs := mustRS(t, exp, "true")
	ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "ensemble", RunSettings: rs, Replicas: 4})
	if err != nil || ens.Len() != 4 || ens.Member("ensemble_3") == nil || ens.EntityType() != "Ensemble" {
		t.Fatalf("replicas: %v %d", err, ens.Len())
	}
	ens, err = exp.CreateEnsemble(EnsembleArgs{Name: "e", RunSettings: rs, Replicas: 2, Params: []ParamSpec{{"h", ints("1", "2")}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Params{{{"h", "1"}}, {{"h", "1"}}, {{"h", "2"}}, {{"h", "2"}}}
	if diff := cmp.Diff(want, memberParams(ens)); diff != "" {
		t.Fatal(diff)
	}
	if ens.Models()[3].Name != "e_3" {
		t.Fatalf("names: %s", ens.Models()[3].Name)
	}
}
