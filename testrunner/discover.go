package testrunner

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Discover returns the test scripts under paths, sorted and without duplicates. A path naming a file is
// taken as is (it must be a .star file); a directory is walked for *.star files. Names starting with "_"
// or "." are skipped, files and directories alike: "_helpers.star" is a module that suites load(), not
// a suite, and hidden directories hold tool state.
func Discover(paths []string) ([]string, error) {
	seen := map[string]bool{}
	var scripts []string
	add := func(p string) {
		p = filepath.Clean(p)
		if !seen[p] {
			seen[p] = true
			scripts = append(scripts, p)
		}
	}
	for _, root := range paths {
		st, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("test path %s: %w", root, errorsUnwrap(err))
		}
		if !st.IsDir() {
			if filepath.Ext(root) != ".star" {
				return nil, fmt.Errorf("test path %s: a test script is a .star file", root)
			}
			add(root)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != root && skipped(d.Name()) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && filepath.Ext(p) == ".star" {
				add(p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(scripts)
	return scripts, nil
}

// skipped reports whether a file or directory name is excluded from discovery.
func skipped(name string) bool {
	return strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".")
}

// errorsUnwrap drops the "stat PATH:" prefix of a PathError: the caller names the path already.
func errorsUnwrap(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
