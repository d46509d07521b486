package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadRelativeToTheLoadingFileAndCached(t *testing.T) {
	f := newFixture(t)
	f.file("lib/sweep.star", `load("helpers/names.star", "prefix")
print("sweep loaded")
def names(n):
    return [prefix + str(i) for i in range(n)]
`)
	f.file("lib/helpers/names.star", `prefix = "m"`)
	f.file("other.star", `load("lib/sweep.star", "names")
twice = names(2)
`)
	f.file("main.star", `load("@stdlib//assert.star", "assert")
load("lib/sweep.star", "names")
load("./other.star", "twice")
assert.eq(names(3), ["m0", "m1", "m2"])
assert.eq(twice, ["m0", "m1"])
`)
	_, stderr, err := f.run("main.star", Options{})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	if n := strings.Count(stderr, "sweep loaded"); n != 1 {
		t.Fatalf("lib/sweep.star executed %d times, want 1 (cached):\n%s", n, stderr)
	}
}

func TestLoadCycleIsReportedWithTheChain(t *testing.T) {
	f := newFixture(t)
	f.file("a.star", `load("b.star", "b")
a = 1`)
	f.file("b.star", `load("a.star", "a")
b = 1`)
	f.file("main.star", `load("a.star", "a")`)
	_, _, err := f.run("main.star", Options{})
	if err == nil {
		t.Fatal("cycle not detected")
	}
	chain := filepath.Join(f.dir, "main.star") + " -> " + filepath.Join(f.dir, "a.star") + " -> " +
		filepath.Join(f.dir, "b.star") + " -> " + filepath.Join(f.dir, "a.star")
	if !strings.Contains(err.Error(), "load cycle: "+chain) {
		t.Fatalf("error %q lacks the chain %q", err, chain)
	}
}

func TestLoadIsConfinedToTheScriptDirectory(t *testing.T) {
	f := newFixture(t)
	outside := newFixture(t)
	outside.file("secret.star", `x = 1`)
	if err := os.Symlink(outside.dir, filepath.Join(f.dir, "link")); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(f.dir, filepath.Join(outside.dir, "secret.star"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"dotdot":   rel,
		"symlink":  "link/secret.star",
		"absolute": filepath.Join(outside.dir, "secret.star"),
	}
	for name, module := range cases {
		f.file("main.star", `load("`+module+`", "x")`)
		_, _, err := f.run("main.star", Options{})
		if err == nil {
			t.Errorf("%s: load of %s succeeded", name, module)
			continue
		}
		if !strings.Contains(err.Error(), module) ||
			!(strings.Contains(err.Error(), "under the main script's directory") || strings.Contains(err.Error(), "relative to the loading file")) {
			t.Errorf("%s: error %q does not name the path and the rule", name, err)
		}
	}
}

func TestLoadRejectsUnknownModules(t *testing.T) {
	f := newFixture(t)
	cases := map[string]string{
		`load("@stdlib//nope.star", "x")`: "no stdlib module @stdlib//nope.star",
		`load("@other//x.star", "x")`:     "unknown repository",
		`load("x.py", "x")`:               "only .star files can be loaded",
		`load("missing.star", "x")`:       "missing.star",
	}
	for src, want := range cases {
		f.file("main.star", src)
		_, _, err := f.run("main.star", Options{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error containing %q", src, err, want)
		}
	}
}

func TestErrorInLoadedModuleShowsItsLine(t *testing.T) {
	f := newFixture(t)
	f.file("lib.star", "x = 1\ny = x // 0\n")
	f.file("main.star", `load("lib.star", "x")`)
	_, _, err := f.run("main.star", Options{})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(f.dir, "lib.star")+":2:7") {
		t.Fatalf("got %v, want the position inside lib.star", err)
	}
}

func TestStdlibHelpersAreHiddenFromScripts(t *testing.T) {
	f := newFixture(t)
	f.file("main.star", `_catch(lambda: 1)`)
	_, _, err := f.run("main.star", Options{})
	if err == nil || !strings.Contains(err.Error(), "undefined: _catch") {
		t.Fatalf("got %v, want _catch undefined in user scripts", err)
	}
}

func TestAssertFailureReportsTheScriptLine(t *testing.T) {
	f := newFixture(t)
	f.file("main.star", `load("@stdlib//assert.star", "assert")
assert.eq(1, 1)
assert.contains([1, 2], 2)
assert.fails(lambda: 1 // 0, "division by zero")
assert.eq(len([1, 2]), 3)
`)
	_, _, err := f.run("main.star", Options{})
	want := filepath.Join(f.dir, "main.star") + ":5:10: assert.eq: 2 != 3"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want %q", err, want)
	}
	for src, msg := range map[string]string{
		`assert.fails(lambda: 1, "x")`:                    "call succeeded, want an error matching",
		`assert.fails(lambda: 1 // 0, "^nomatch$")`:       "does not match",
		`assert.true(False, "custom")`:                    "assert.true: custom",
		`assert.ne(1, 1)`:                                 "assert.ne: 1 == 1",
		`assert.lt(2, 1)`:                                 "assert.lt: 2 is not less than 1",
		`assert.contains("abc", "z")`:                     `assert.contains: "abc" does not contain "z"`,
		`assert.fails(lambda: fail("boom"), "[unclosed")`: "invalid regular expression",
	} {
		f.file("main.star", "load(\"@stdlib//assert.star\", \"assert\")\n"+src+"\n")
		_, _, err := f.run("main.star", Options{})
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: got %v, want %q", src, err, msg)
		}
	}
}

func TestLoadWorksThroughASymlinkedScriptDirectory(t *testing.T) {
	f := newFixture(t)
	f.file("real/lib.star", `x = 1`)
	f.file("real/main.star", `load("lib.star", "x")`)
	if err := os.Symlink(filepath.Join(f.dir, "real"), filepath.Join(f.dir, "link")); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := f.run("link/main.star", Options{}); err != nil {
		t.Fatalf("run through a symlinked directory: %v\n%s", err, stderr)
	}
}
