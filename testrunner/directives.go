package testrunner

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
)

// directivePrefix starts a comment line, in the script's leading comment block, that gives the script
// the options `ssrun` flags would: `# ssrun test: --launcher slurm -D nodes=4 --seed 7`. A suite can
// so plan a batch ensemble for a workload manager, or pin its own seed, whatever `ssrun test` is given.
const directivePrefix = "# ssrun test:"

// directives are the per-script options read from its leading comments.
type directives struct {
	Launcher string
	Seed     *uint64
	Vars     map[string]string
}

// readDirectives parses the directive lines of script's leading comment block (lines starting with
// "#" or blank, up to the first line of code).
func readDirectives(script string) (directives, error) {
	var d directives
	data, err := os.ReadFile(script)
	if err != nil {
		return d, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text != "" && !strings.HasPrefix(text, "#") {
			break
		}
		args, ok := strings.CutPrefix(text, directivePrefix)
		if !ok {
			continue
		}
		if err := d.parse(strings.Fields(args)); err != nil {
			return d, fmt.Errorf("%s:%d: ssrun test directive: %v", script, line, err)
		}
	}
	return d, sc.Err()
}

func (d *directives) parse(args []string) error {
	fs := pflag.NewFlagSet("directive", pflag.ContinueOnError)
	fs.SetOutput(discard{})
	launcher := fs.String("launcher", "", "")
	seed := fs.Uint64("seed", 0, "")
	defines := fs.StringArrayP("define", "D", nil, "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (allowed: --launcher, --seed, -D k=v)", fs.Arg(0))
	}
	if fs.Changed("launcher") {
		d.Launcher = *launcher
	}
	if fs.Changed("seed") {
		d.Seed = seed
	}
	for _, def := range *defines {
		k, v, ok := strings.Cut(def, "=")
		if !ok || k == "" {
			return fmt.Errorf("-D %q: want k=v", def)
		}
		if d.Vars == nil {
			d.Vars = map[string]string{}
		}
		d.Vars[k] = v
	}
	return nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
