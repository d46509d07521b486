package runtime

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tree lists every path under root (relative), with "/" after directories and "@" after symlinks.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			rel += "@"
		case d.IsDir():
			rel += "/"
		}
		out = append(out, rel)
		return nil
	})
	sort.Strings(out)
	return out
}

var fixedNow = func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC) }

func TestGenerateThermoSteps(t *testing.T) { // cases 22, 29
	exp, _ := newExp(t, "", func(o *Options) { o.Now = fixedNow })
	writeFile(t, filepath.Join(exp.Cwd(), "in.atm"), "THERMO = ;THERMO;\nSTEPS = ;STEPS;\n")
	ens, err := exp.CreateEnsemble(EnsembleArgs{Name: "dir_test", RunSettings: mustRS(t, exp, "true"),
		Params: []ParamSpec{{"THERMO", ints("10", "20")}, {"STEPS", ints("10", "20")}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ens.AttachGeneratorFiles(nil, nil, []string{"in.atm"}); err != nil {
		t.Fatal(err)
	}
	if err := exp.Generate([]Entity{ens}, GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	member1 := filepath.Join(exp.Path, "dir_test", "dir_test_1")
	if got := readFile(t, filepath.Join(member1, "in.atm")); got != "THERMO = 10\nSTEPS = 20\n" {
		t.Fatalf("configured: %q", got)
	}
	block1 := "Model name: dir_test_1\n" +
		"File name                   Parameters\n" +
		"--------------------------  ---------------\n" +
		"dir_test/dir_test_1/in.atm  Name      Value\n" +
		"                            ------  -------\n" +
		"                            THERMO       10\n" +
		"                            STEPS        20\n\n"
	if got := readFile(t, filepath.Join(member1, "smartsim_params.txt")); got != block1 {
		t.Fatalf("member params file:\n%s\nwant\n%s", got, block1)
	}
	global := readFile(t, filepath.Join(exp.Path, "smartsim_params.txt"))
	if !strings.HasPrefix(global, "Generation start date and time: 06/05/2024 07:08:09\nModel name: dir_test_0\n") ||
		!strings.Contains(global, block1) || strings.Count(global, "Model name:") != 4 {
		t.Fatalf("global params file:\n%s", global)
	}
	if ens.Models()[3].Path != filepath.Join(exp.Path, "dir_test", "dir_test_3") {
		t.Fatal("member path not reset to its generated directory")
	}
	err = exp.Generate([]Entity{ens}, GenerateOptions{})
	wantErr(t, err, FileExistsError, "Directory for entity dir_test_0 already exists in path")
	if err := exp.Generate([]Entity{ens}, GenerateOptions{Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"dir_test_0/", "dir_test_0/in.atm", "dir_test_0/smartsim_params.txt",
		"dir_test_1/", "dir_test_1/in.atm", "dir_test_1/smartsim_params.txt", "dir_test_2/", "dir_test_2/in.atm",
		"dir_test_2/smartsim_params.txt", "dir_test_3/", "dir_test_3/in.atm", "dir_test_3/smartsim_params.txt"},
		tree(t, filepath.Join(exp.Path, "dir_test"))); diff != "" {
		t.Fatal(diff)
	}
}

func TestGenerateCopySymlinkAndLayout(t *testing.T) { // case 23
	exp, _ := newExp(t, "")
	cwd := exp.Cwd()
	writeFile(t, filepath.Join(cwd, "sleep.py"), "print('hi')\n")
	writeFile(t, filepath.Join(cwd, "data", "a.txt"), "a")
	writeFile(t, filepath.Join(cwd, "data", "sub", "b.txt"), "b")
	writeFile(t, filepath.Join(cwd, "big.bin"), "0123")
	rs := mustRS(t, exp, "true")
	model, _ := exp.CreateModel(ModelArgs{Name: "model", RunSettings: rs, Path: "elsewhere"})
	if err := model.AttachGeneratorFiles([]string{"sleep.py", "data"}, []string{"big.bin", "data"}, nil); err != nil {
		t.Fatal(err)
	}
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "test_ens", RunSettings: rs, Replicas: 2})
	if err := exp.Generate([]Entity{model, ens}, GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"model/", "model/a.txt", "model/big.bin@", "model/data@", "model/sleep.py", "model/sub/", "model/sub/b.txt",
		"smartsim_params.txt", "test_ens/", "test_ens/test_ens_0/", "test_ens/test_ens_1/"}
	if diff := cmp.Diff(want, tree(t, exp.Path)); diff != "" {
		t.Fatal(diff)
	}
	if target, _ := os.Readlink(filepath.Join(exp.Path, "model", "big.bin")); target != filepath.Join(cwd, "big.bin") {
		t.Fatalf("symlink target %s", target)
	}
	if model.Path != filepath.Join(exp.Path, "model") {
		t.Fatalf("model path %s", model.Path)
	}
	if _, err := os.Stat(filepath.Join(exp.Path, "model", "smartsim_params.txt")); err == nil {
		t.Fatal("no params substituted, yet a per-entity smartsim_params.txt was written")
	}
}

func TestGenerateConfigureDirectoriesNested(t *testing.T) { // cases 24, 25
	exp, _ := newExp(t, "")
	cwd := exp.Cwd()
	writeFile(t, filepath.Join(cwd, "tmpl", "test.in"), "x = @PARAM0@\n")
	writeFile(t, filepath.Join(cwd, "tmpl", "test_dir_1", "f.in"), "y = @PARAM1@\n")
	writeFile(t, filepath.Join(cwd, "nested", "nested_0", "tagged_0.sh"), "echo \"Hello with parameter 0 = @PARAM0@\"\n")
	writeFile(t, filepath.Join(cwd, "nested", "nested_1", "tagged_1.sh"), "echo \"Hello with parameter 1 = @PARAM1@\"\n")
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "test", RunSettings: mustRS(t, exp, "true"),
		Params: []ParamSpec{{"PARAM0", ints("0", "1")}, {"PARAM1", ints("2", "3")}}})
	if err := ens.AttachGeneratorFiles(nil, nil, []string{"tmpl", "nested"}); err != nil {
		t.Fatal(err)
	}
	if err := exp.Generate([]Entity{ens}, GenerateOptions{Tag: "@"}); err != nil {
		t.Fatal(err)
	}
	m1 := filepath.Join(exp.Path, "test", "test_1")
	if got := readFile(t, filepath.Join(m1, "nested_0", "tagged_0.sh")); !strings.HasPrefix(got, `echo "Hello with parameter 0 = 0"`) {
		t.Fatal(got)
	}
	if got := readFile(t, filepath.Join(m1, "nested_1", "tagged_1.sh")); !strings.HasPrefix(got, `echo "Hello with parameter 1 = 3"`) {
		t.Fatal(got)
	}
	if got := readFile(t, filepath.Join(m1, "test_dir_1", "f.in")); got != "y = 3\n" {
		t.Fatal(got)
	}
	if got := readFile(t, filepath.Join(m1, "test.in")); got != "x = 0\n" {
		t.Fatal(got)
	}
}

func TestGenerateStrictTagsLeavesNothing(t *testing.T) { // case 28 + all-or-nothing
	exp, logs := newExp(t, "")
	writeFile(t, filepath.Join(exp.Cwd(), "in.txt"), "a = ;a;\nb = ;missing;\n")
	writeFile(t, filepath.Join(exp.Cwd(), "copy.txt"), "c")
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: mustRS(t, exp, "true"), Params: []ParamSpec{{"a", ints("1", "2")}}})
	ens.AttachGeneratorFiles([]string{"copy.txt"}, nil, []string{"in.txt"})
	err := exp.Generate([]Entity{ens}, GenerateOptions{StrictTags: true})
	wantErr(t, err, SmartSimError, "Unused tag missing on line(s): [2]")
	if got := tree(t, filepath.Join(exp.Path, "ens")); len(got) != 0 {
		t.Fatalf("half-written member directories left: %v", got)
	}
	if err := exp.Generate([]Entity{ens}, GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(exp.Path, "ens", "ens_1", "in.txt")); got != "a = 2\nb = missing\n" {
		t.Fatal(got)
	}
	if !strings.Contains(logs.String(), "Configured model ens_1 with params a=2") {
		t.Fatalf("no configuration log line: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "Unused tag missing on line(s): [2]") {
		t.Fatalf("no warning logged: %s", logs.String())
	}
}

func TestGenerateFailureMidEntityLeavesNoMemberDir(t *testing.T) {
	exp, _ := newExp(t, "")
	writeFile(t, filepath.Join(exp.Cwd(), "ok.txt"), "ok")
	writeFile(t, filepath.Join(exp.Cwd(), "secret.txt"), ";a;")
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: mustRS(t, exp, "true"), Params: []ParamSpec{{"a", ints("1", "2")}}})
	ens.AttachGeneratorFiles([]string{"ok.txt"}, nil, []string{"secret.txt"})
	os.Chmod(filepath.Join(exp.Cwd(), "secret.txt"), 0)
	if os.Geteuid() == 0 { // root reads anything: make the file vanish instead
		os.Remove(filepath.Join(exp.Cwd(), "secret.txt"))
	}
	err := exp.Generate([]Entity{ens}, GenerateOptions{})
	if err == nil {
		t.Fatal("expected an error")
	}
	if got := tree(t, filepath.Join(exp.Path, "ens")); len(got) != 0 {
		t.Fatalf("entries left after failure: %v", got)
	}
}

func TestGenerateRefusesWritingThroughSymlinks(t *testing.T) {
	exp, _ := newExp(t, "")
	cwd := exp.Cwd()
	writeFile(t, filepath.Join(cwd, "outside", "x.txt"), "original")
	writeFile(t, filepath.Join(cwd, "conf", "outside", "x.txt"), ";a;")
	m, _ := exp.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, exp, "true"), Params: []ParamSpec{{"a", Str("pwned")}}})
	if err := m.AttachGeneratorFiles(nil, []string{"outside"}, []string{"conf"}); err != nil {
		t.Fatal(err)
	}
	err := exp.Generate([]Entity{m}, GenerateOptions{})
	wantErr(t, err, ValueError, "Refusing to write outside: attached files make it both a directory and a file (symlink and mkdir)")
	if got := readFile(t, filepath.Join(cwd, "outside", "x.txt")); got != "original" {
		t.Fatalf("source modified through a symlink: %q", got)
	}
	if _, err := os.Lstat(filepath.Join(exp.Path, "m")); err == nil {
		t.Fatal("entity directory left behind")
	}
}

func TestGenerateDryRunWritesNothing(t *testing.T) {
	exp, _ := newExp(t, "dryrun")
	writeFile(t, filepath.Join(exp.Cwd(), "in.atm"), "T = ;T;\n")
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "e", RunSettings: mustRS(t, exp, "true"), Params: []ParamSpec{{"T", ints("1", "2")}}})
	ens.AttachGeneratorFiles(nil, nil, []string{"in.atm"})
	if err := exp.Generate([]Entity{ens}, GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(exp.Path); err == nil {
		t.Fatal("dry run created the experiment directory")
	}
	err := exp.Generate([]Entity{ens}, GenerateOptions{})
	wantErr(t, err, FileExistsError, "Directory for entity e_0 already exists")
	if err := exp.Generate([]Entity{ens}, GenerateOptions{Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, op := range exp.Plan().FileOps {
		ops = append(ops, op.Op+" "+op.Path)
	}
	for _, want := range []string{"write $EXP/smartsim_params.txt", "mkdir $EXP/e/e_1", "write $EXP/e/e_1/in.atm",
		"write $EXP/e/e_1/smartsim_params.txt", "append $EXP/smartsim_params.txt", "remove $EXP/e"} {
		if !contains(ops, want) {
			t.Fatalf("plan lacks %q: %v", want, ops)
		}
	}
	for _, op := range exp.Plan().FileOps {
		if op.Path == "$EXP/e/e_1/in.atm" && op.SHA256 != sha([]byte("T = 2\n")) {
			t.Fatalf("sha256 of the rendered content expected, got %s", op.SHA256)
		}
	}
}

func TestGenerateCopyKeepsSymlinksInsideCopiedDirs(t *testing.T) {
	exp, _ := newExp(t, "")
	cwd := exp.Cwd()
	writeFile(t, filepath.Join(cwd, "src", "real.txt"), "r")
	os.Symlink("real.txt", filepath.Join(cwd, "src", "alias.txt"))
	os.Chmod(filepath.Join(cwd, "src", "real.txt"), 0o750)
	m, _ := exp.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, exp, "true")})
	m.AttachGeneratorFiles([]string{"src"}, nil, nil)
	if err := exp.Generate([]Entity{m}, GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(filepath.Join(m.Path, "alias.txt")); err != nil || target != "real.txt" {
		t.Fatalf("symlink not preserved: %v %q", err, target)
	}
	if st, _ := os.Stat(filepath.Join(m.Path, "real.txt")); st.Mode().Perm() != 0o750 {
		t.Fatalf("mode not preserved: %v", st.Mode())
	}
}

func TestGenerateExperimentPathChecks(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "scratch"), 0o755)
	os.Symlink(filepath.Join(dir, "scratch"), filepath.Join(dir, "linked"))
	writeFile(t, filepath.Join(dir, "plainfile", "x"), "")
	exp, err := NewExperiment("linked", "", "local", Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := exp.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, exp, "true")})
	if err := exp.Generate([]Entity{m}, GenerateOptions{}); err != nil {
		t.Fatalf("an experiment path that links to a directory must be usable: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "scratch", "m")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "file-exp"), nil, 0o644)
	exp2, _ := NewExperiment("file-exp", "", "local", Options{Cwd: dir})
	m2, _ := exp2.CreateModel(ModelArgs{Name: "m", RunSettings: mustRS(t, exp2, "true")})
	wantErr(t, exp2.Generate([]Entity{m2}, GenerateOptions{}), FileExistsError, "exists and is not a directory")
}

// A file copied into every member is read once per driver run: for the plan's content digest of each
// copy and for every member's identity (resume) alike.
func TestGenerateReadsACopiedFileOnce(t *testing.T) {
	exp, _ := newExp(t, "")
	data := filepath.Join(exp.Cwd(), "data.bin")
	writeFile(t, data, strings.Repeat("d", 100_000))
	writeFile(t, filepath.Join(exp.Cwd(), "in.txt"), "x = ;x;\n")
	opens := 0
	defer func(open func(string) (*os.File, error)) { openForDigest = open }(openForDigest)
	openForDigest = func(path string) (*os.File, error) {
		if path == data {
			opens++
		}
		return os.Open(path)
	}
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: mustRS(t, exp, "true"), Params: []ParamSpec{{"x", ints("1", "2", "3")}}})
	ens.AttachGeneratorFiles([]string{"data.bin"}, nil, []string{"in.txt"})
	if err := exp.Generate([]Entity{ens}, GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	hashes := map[string]bool{}
	for _, m := range ens.members {
		hashes[exp.identity(m).Hash] = true
		if got := readFile(t, filepath.Join(m.Path, "data.bin")); len(got) != 100_000 {
			t.Fatalf("%s: copy of %d bytes", m.Name, len(got))
		}
	}
	if len(hashes) != 3 {
		t.Fatalf("%d distinct member hashes for 3 members", len(hashes))
	}
	if opens != 1 {
		t.Fatalf("data.bin opened %d times for 3 copies and 3 identities, want once", opens)
	}
}

// Copies are copies, whatever the file system does underneath (copy_file_range shares extents on
// XFS and btrfs): a member that edits its copy changes neither the source nor another member's copy.
func TestGenerateCopiesAreIndependent(t *testing.T) {
	exp, _ := newExp(t, "")
	writeFile(t, filepath.Join(exp.Cwd(), "data.bin"), strings.Repeat("s", 70_000))
	ens, _ := exp.CreateEnsemble(EnsembleArgs{Name: "ens", RunSettings: mustRS(t, exp, "true"), Params: []ParamSpec{{"x", ints("1", "2")}}})
	ens.AttachGeneratorFiles([]string{"data.bin"}, nil, nil)
	if err := exp.Generate([]Entity{ens}, GenerateOptions{}); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(ens.members[0].Path, "data.bin"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("edited"), 1000); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, path := range []string{filepath.Join(exp.Cwd(), "data.bin"), filepath.Join(ens.members[1].Path, "data.bin")} {
		if got := readFile(t, path); got != strings.Repeat("s", 70_000) {
			t.Fatalf("%s changed when ens_0 edited its copy", path)
		}
	}
	if got := readFile(t, filepath.Join(ens.members[0].Path, "data.bin")); got[1000:1006] != "edited" {
		t.Fatal("the edit did not land in ens_0's copy")
	}
}
