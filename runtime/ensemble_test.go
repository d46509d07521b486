package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMemberCreationTable(t *testing.T) { // case 11 + reference §2 table
	exp, logs := newExp(t, "")
	rs := mustRS(t, exp, "true")
	bs := &BatchSettings{Kind: "sbatch"}
	h := []ParamSpec{{"param1", Scalar(KindInt, "1")}}
	noMembers := "Ensembles without 'params' or 'replicas' argument to expand into members cannot be given run settings"
	cases := []struct {
		name  string
		args  EnsembleArgs
		class Class
		text  string
		n     int
	}{
		{"params without run settings", EnsembleArgs{Params: h}, SmartSimError, noMembers, 0},
		{"params without run settings, with batch", EnsembleArgs{Params: h, BatchSettings: bs}, SmartSimError, noMembers, 0},
		{"run settings alone", EnsembleArgs{RunSettings: rs}, SmartSimError, noMembers, 0},
		{"nothing", EnsembleArgs{}, SmartSimError, "Ensemble must be provided batch settings or run settings", 0},
		{"batch only: empty", EnsembleArgs{BatchSettings: bs, Replicas: 3}, Class{}, "", 0},
		{"replicas", EnsembleArgs{RunSettings: rs, Replicas: 3}, Class{}, "", 3},
		{"params", EnsembleArgs{RunSettings: rs, Params: h, BatchSettings: bs}, Class{}, "", 1},
	}
	for _, c := range cases {
		c.args.Name = "name"
		ens, err := exp.CreateEnsemble(c.args)
		if c.class != (Class{}) {
			wantErr(t, err, c.class, c.text)
			continue
		}
		if err != nil || ens.Len() != c.n {
			t.Fatalf("%s: err %v, %d members", c.name, err, ens.Len())
		}
	}
	if !strings.Contains(logs.String(), "Empty ensemble created for batch launch") {
		t.Fatalf("log: %s", logs.String())
	}
	_, err := exp.CreateEnsemble(EnsembleArgs{RunSettings: rs, Replicas: 1})
	wantErr(t, err, AttributeError, "Entity has no name")
	_, err = exp.CreateModel(ModelArgs{RunSettings: rs})
	wantErr(t, err, AttributeError, "Entity has no name")
}

func TestParamsAsArgs(t *testing.T) { // cases 5, 6, 34
	exp, _ := newExp(t, "")
	rs := mustRS(t, exp, "true", "sleep.py")
	ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "step", RunSettings: rs, Strategy: Strategy{Name: "step"},
		ParamsAsArgs: []string{"H", "g_param"}, Params: []ParamSpec{{"H", ints("5", "6")}, {"g_param", List("a", "b")}}})
	if err != nil {
		t.Fatal(err)
	}
	got := [][]string{ens.Models()[0].RunSettings.ExeArgs, ens.Models()[1].RunSettings.ExeArgs}
	want := [][]string{{"sleep.py", "-H", "5", "--g_param=a"}, {"sleep.py", "-H", "6", "--g_param=b"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
	if v, _ := ens.Models()[0].Params.Get("H"); v != "5" {
		t.Fatalf("params lost H")
	}
	if diff := cmp.Diff([]string{"sleep.py"}, rs.ExeArgs); diff != "" {
		t.Fatalf("template run settings changed (no deep copy): %s", diff)
	}
	ens, err = exp.CreateEnsemble(EnsembleArgs{Name: "perm", RunSettings: rs, ParamsAsArgs: []string{"g_param"},
		Params: []ParamSpec{{"h", ints("5", "6")}, {"g_param", List("a", "b")}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"--g_param=a", "--g_param=b", "--g_param=a", "--g_param=b"} {
		args := ens.Models()[i].RunSettings.ExeArgs
		if args[len(args)-1] != want {
			t.Fatalf("member %d: %v", i, args)
		}
	}
	_, err = exp.CreateEnsemble(EnsembleArgs{Name: "x", RunSettings: rs, ParamsAsArgs: []string{"nope"},
		Params: []ParamSpec{{"h", ints("5")}}})
	wantErr(t, err, ValueError, "Tried to convert nope to command line argument for Model x_0")
	for _, c := range [][3]string{{"--foo", "FOO", "--foo=FOO"}, {"-foo", "FOO", "-foo FOO"}, {"x", "FOO", "-x FOO"}, {"xx", "FOO", "--xx=FOO"}} {
		if got := CatArgAndValue(c[0], c[1]); got != c[2] {
			t.Fatalf("CatArgAndValue(%q) = %q, want %q", c[0], got, c[2])
		}
	}
}

func TestAddModelAndKeyPrefixing(t *testing.T) { // cases 8, 9, 10
	exp, _ := newExp(t, "")
	rs := mustRS(t, exp, "true")
	ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: rs, Params: []ParamSpec{{"h", ints("1", "2")}, {"g", ints("3", "4")}}})
	if err != nil {
		t.Fatal(err)
	}
	if !ens.QueryKeyPrefixing() {
		t.Fatal("generated members must be prefixed")
	}
	m, err := exp.CreateModel(ModelArgs{Name: "extra", RunSettings: rs})
	if err != nil {
		t.Fatal(err)
	}
	if err := ens.AddModel(m); err != nil {
		t.Fatal(err)
	}
	if ens.QueryKeyPrefixing() {
		t.Fatal("an unprefixed added model must make query_key_prefixing False")
	}
	ens.EnableKeyPrefixing()
	if !ens.QueryKeyPrefixing() {
		t.Fatal("enable_key_prefixing must prefix every member")
	}
	dup, _ := exp.CreateModel(ModelArgs{Name: "ens_0", RunSettings: rs})
	err = ens.AddModel(dup)
	if err == nil || err.Error() != "EntityExistsError: Model ens_0 already exists in ensemble ens" {
		t.Fatalf("got %v", err)
	}
	empty := &Ensemble{Name: "empty"}
	if !empty.QueryKeyPrefixing() {
		t.Fatal("empty ensemble prefixing is True")
	}
	single, _ := exp.CreateEnsemble(EnsembleArgs{Name: "ensemble", RunSettings: rs, Replicas: 1})
	member := single.Member("ensemble_0")
	if err := m.RegisterIncomingEntity(member); err != nil {
		t.Fatal(err)
	}
	wantErr(t, m.RegisterIncomingEntity(member), EntityExistsError, "'ensemble_0' has already been registered as an incoming entity")
}

func TestAttachGeneratorFiles(t *testing.T) { // case 30
	exp, _ := newExp(t, "")
	dir := exp.Cwd()
	os.WriteFile(filepath.Join(dir, "in.txt"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(dir, "conf", "real"), 0o755)
	os.WriteFile(filepath.Join(dir, "smartsim_params.txt"), nil, 0o644)
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: mustRS(t, exp, "true"), Replicas: 2})
	wantErr(t, ens.AttachGeneratorFiles([]string{"missing.txt"}, nil, nil), FileNotFoundError, "File or Directory missing.txt not found")
	wantErr(t, ens.AttachGeneratorFiles(nil, nil, []string{"missing.txt"}), FileNotFoundError, "File or Directory "+filepath.Join(dir, "missing.txt")+" not found")
	wantErr(t, ens.AttachGeneratorFiles([]string{"in.txt", "smartsim_params.txt"}, nil, nil), ValueError, "smartsim_params.txt")
	os.Symlink(filepath.Join(dir, "conf", "real"), filepath.Join(dir, "conf", "link"))
	wantErr(t, ens.AttachGeneratorFiles(nil, nil, []string{"conf"}), ValueError, "Tagged directories and thier subdirectories cannot be links")
	if err := ens.AttachGeneratorFiles([]string{"in.txt"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range ens.Models() {
		if diff := cmp.Diff([]string{filepath.Join(dir, "in.txt")}, m.Files.Copy); diff != "" {
			t.Fatal(diff)
		}
	}
	table := ens.AttachedFilesTable()
	if !strings.Contains(table, "| Model name   | Files") || !strings.Contains(table, "| ens_1        |") || !strings.Contains(table, "| Copy       |") {
		t.Fatalf("table:\n%s", table)
	}
	if got := (&Ensemble{}).AttachedFilesTable(); got != "The ensemble is empty, no files to show." {
		t.Fatal(got)
	}
}

func TestEntityNamesArePlain(t *testing.T) {
	exp, _ := newExp(t, "")
	rs := mustRS(t, exp, "true")
	for _, name := range []string{"../x", "a/b", ".", ".."} {
		_, err := exp.CreateModel(ModelArgs{Name: name, RunSettings: rs})
		wantErr(t, err, ValueError, "must be a plain name")
		_, err = exp.CreateEnsemble(EnsembleArgs{Name: name, RunSettings: rs, Replicas: 1})
		wantErr(t, err, ValueError, "must be a plain name")
	}
}

func TestEnsembleScriptsIncomingAndModelParams(t *testing.T) {
	exp, _ := newExp(t, "")
	rs := mustRS(t, exp, "true")
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: rs, Replicas: 2})
	s, _ := NewScript(exp.Cwd(), ScriptArgs{Name: "s", Script: "def f(x):\n    return x\n"})
	if err := ens.AddScript(s); err != nil {
		t.Fatal(err)
	}
	if err := ens.AddScript(s); err == nil || err.Error() != `SSUnsupportedError: A Script with name "s" already exists` {
		t.Fatalf("got %v", err)
	}
	producer, _ := exp.CreateModel(ModelArgs{Name: "producer", RunSettings: rs})
	if err := ens.RegisterIncomingEntity(producer); err != nil {
		t.Fatal(err)
	}
	for _, m := range ens.Models() {
		if len(m.Scripts) != 1 || !cmp.Equal(m.Incoming, []string{"producer"}) {
			t.Fatalf("member %s: scripts %d incoming %v", m.Name, len(m.Scripts), m.Incoming)
		}
	}
	_, err := exp.CreateModel(ModelArgs{Name: "m", RunSettings: rs, Params: []ParamSpec{{"h", List("1", "2")}}})
	wantErr(t, err, TypeError, `Incorrect type for model parameter "h": must be str, int, float or bool, not list`)
	m, err := exp.CreateModel(ModelArgs{Name: "m", RunSettings: rs, Params: []ParamSpec{{"h", Scalar(KindFloat, "0.5")}, {"b", Scalar(KindBool, "True")}}})
	if err != nil || !cmp.Equal(m.Params, Params{{"h", "0.5"}, {"b", "True"}}) || m.QueryKeyPrefixing() {
		t.Fatalf("%v %v", err, m.Params)
	}
	if got := NotAnEntity("string").Error(); got != "TypeError: Entity has type string, not SmartSimEntity or EntityList" {
		t.Fatal(got)
	}
	if got := m.AttachedFilesTable(); got != "No file attached to this entity." {
		t.Fatal(got)
	}
}
