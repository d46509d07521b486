// Package keyprefix_test runs the key-prefixing example end to end: a real ssrun binary (built once
// here) runs keyprefix.star, whose database shard, producers and consumer are real processes.
package keyprefix_test

import (
	"context"
	"github.com/ssrun/ssrun/internal/ssruntest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var ssrunBin string

func TestMain(m *testing.M) { ssruntest.Main(m, "ssrun-keyprefix-", &ssrunBin) }

// TestKeyPrefixExample: both producers' tensors are found under their prefixes, the consumer gets
// SSKEYIN in registration order, every job completes and the database ends Cancelled.
func TestKeyPrefixExample(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-R", "keyprefix.star", "apps", dir).CombinedOutput(); err != nil {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ssrunBin, "keyprefix.star")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SSRUN="+ssrunBin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ssrun: %v\n%s", err, out)
	}
	for _, want := range []string{`database: ["Running"]`, `statuses: ["Completed", "Completed", "Completed"]`, `database: ["Cancelled"]`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("driver output lacks %q:\n%s", want, out)
		}
	}
	consumer, err := os.ReadFile(filepath.Join(dir, "keyprefix", "consumer", "consumer.out"))
	if err != nil {
		t.Fatal(err)
	}
	want := "SSKEYIN=producer_0,producer_1\n" +
		"producer_0.tensor was found: True\n" + `{"dtype":"INT64","shape":[4],"values":[1,2,3,4]}` + "\n" +
		"producer_1.tensor was found: True\n" + `{"dtype":"INT64","shape":[4],"values":[1,2,3,4]}` + "\n"
	if string(consumer) != want {
		t.Fatalf("consumer.out:\n%s\nwant:\n%s", consumer, want)
	}
	for _, member := range []string{"producer_0", "producer_1"} {
		got, _ := os.ReadFile(filepath.Join(dir, "keyprefix", "producer", member, member+".out"))
		if string(got) != "put tensor (SSKEYOUT="+member+")\n" {
			t.Errorf("%s.out: %q", member, got)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "keyprefix", "orchestrator", "orchestrator_0.out")); err != nil {
		t.Errorf("database output link: %v", err)
	}
}

// TestKeyPrefixExampleDryRun: the plan shows the shard command, the database and the members' client
// variables, and is the same bytes on every run.
func TestKeyPrefixExampleDryRun(t *testing.T) {
	plan := func() string {
		cmd := exec.Command(ssrunBin, "--dry-run", "--plan-format", "json", "keyprefix.star")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("ssrun --dry-run: %v\n%s", err, out)
		}
		return string(out)
	}
	first := plan()
	for _, want := range []string{`"ssrun",`, `"db",`, `"type": "DBNode"`, `"databases"`, `"SSDB=127.0.0.1:0"`, `"SSKEYIN=producer_0,producer_1"`, `"SSKEYOUT=producer_1"`} {
		if !strings.Contains(first, want) {
			t.Errorf("plan lacks %s:\n%s", want, first)
		}
	}
	if second := plan(); second != first {
		t.Fatal("dry-run plan differs between two runs")
	}
	if _, err := os.Stat("keyprefix"); err == nil {
		t.Fatal("dry run wrote the experiment directory")
	}
}
