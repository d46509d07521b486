package testrunner

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settle is how long watch mode waits after a change for more changes before re-running: an editor's
// save is often several events (write, chmod, rename), and one re-run should follow them all.
const settle = 150 * time.Millisecond

// Watch runs the tests once, then re-runs the affected scripts whenever a file changes, until ctx ends
// (then it returns ctx's error). A script is affected when the changed file is the script, its golden,
// a file it loaded or a file its entities attach; a new test script under the paths runs too. The
// directories under cfg.Paths and those of every dependency are watched (fsnotify, not polling).
func Watch(ctx context.Context, cfg Config, out io.Writer) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	paths := cfg.Paths
	if len(paths) == 0 {
		paths = []string{"testdata"}
	}
	for _, root := range paths {
		if err := watchTree(w, root); err != nil {
			return err
		}
	}
	sum, err := Run(ctx, cfg, out)
	if err != nil {
		return err
	}
	deps := sum.Deps
	watchDeps(w, deps)
	for {
		changed, err := nextChanges(ctx, w)
		if err != nil {
			return err
		}
		scripts, err := affected(paths, deps, changed)
		if err != nil {
			fmt.Fprintf(out, "watch: %v\n", err)
			continue
		}
		if len(scripts) == 0 {
			continue
		}
		fmt.Fprintf(out, "\nchanged: %s\n", strings.Join(changed, ", "))
		again := runScripts(ctx, cfg, scripts, out)
		for script, d := range again.Deps {
			deps[script] = d
		}
		watchDeps(w, again.Deps)
	}
}

// watchTree watches root and every directory under it, hidden ones excepted.
func watchTree(w *fsnotify.Watcher, root string) error {
	st, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("test path %s: %w", root, errorsUnwrap(err))
	}
	if !st.IsDir() {
		return w.Add(filepath.Dir(root))
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		return w.Add(p)
	})
}

// watchDeps watches the directory of every dependency (attached files may live outside the paths).
func watchDeps(w *fsnotify.Watcher, deps map[string][]string) {
	for _, files := range deps {
		for _, f := range files {
			_ = w.Add(filepath.Dir(f)) // a vanished directory is seen when its script re-runs
		}
	}
}

// nextChanges waits for a change, then for the changes that follow within settle, and returns the
// changed paths (absolute, sorted). New directories are watched as they appear.
func nextChanges(ctx context.Context, w *fsnotify.Watcher) ([]string, error) {
	set := map[string]bool{}
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case err, ok := <-w.Errors:
			if !ok {
				return nil, fmt.Errorf("file watcher closed")
			}
			return nil, err
		case ev, ok := <-w.Events:
			if !ok {
				return nil, fmt.Errorf("file watcher closed")
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			if ev.Op.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					_ = watchTree(w, ev.Name)
				}
			}
			if abs, err := filepath.Abs(ev.Name); err == nil {
				set[abs] = true
			}
			timer = time.After(settle)
		case <-timer:
			out := make([]string, 0, len(set))
			for p := range set {
				out = append(out, p)
			}
			sort.Strings(out)
			return out, nil
		}
	}
}

// affected returns the test scripts (as Discover names them) to re-run for the changed files.
func affected(paths []string, deps map[string][]string, changed []string) ([]string, error) {
	scripts, err := Discover(paths)
	if err != nil {
		return nil, err
	}
	isChanged := map[string]bool{}
	for _, c := range changed {
		isChanged[c] = true
	}
	var out []string
	for _, script := range scripts {
		abs, err := filepath.Abs(script)
		if err != nil {
			continue
		}
		hit := isChanged[abs] || isChanged[strings.TrimSuffix(abs, ".star")+".golden"]
		for _, d := range deps[script] {
			hit = hit || isChanged[d]
		}
		if hit {
			out = append(out, script)
		}
	}
	return out, nil
}
