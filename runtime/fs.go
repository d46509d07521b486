package runtime

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// FS is where generation's file operations go. OSFS performs them; DryFS performs none and only keeps
// track of what would exist, so that a dry run makes the same decisions (FileExistsError, overwrite) as
// a real run without touching exp_path.
type FS interface {
	// Exists reports whether path exists (without following a final symlink) and whether it is a dir.
	Exists(path string) (exists, isDir bool)
	MkdirAll(path string) error
	RemoveAll(path string) error
	WriteFile(path string, data []byte, perm fs.FileMode) error
	AppendFile(path string, data []byte) error
	// CopyFile copies the regular file src to dst with perm.
	CopyFile(src, dst string, perm fs.FileMode) error
	Symlink(target, link string) error
	Rename(from, to string) error
}

// OSFS is the real file system.
type OSFS struct{}

// Exists implements FS.
func (OSFS) Exists(path string) (bool, bool) {
	st, err := os.Lstat(path)
	if err != nil {
		return false, false
	}
	return true, st.IsDir()
}

// MkdirAll implements FS.
func (OSFS) MkdirAll(path string) error { return os.MkdirAll(path, 0o755) }

// RemoveAll implements FS.
func (OSFS) RemoveAll(path string) error { return os.RemoveAll(path) }

// WriteFile implements FS.
func (OSFS) WriteFile(path string, data []byte, perm fs.FileMode) error {
	return os.WriteFile(path, data, perm)
}

// AppendFile implements FS.
func (OSFS) AppendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// CopyFile implements FS.
func (OSFS) CopyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Symlink implements FS.
func (OSFS) Symlink(target, link string) error { return os.Symlink(target, link) }

// Rename implements FS.
func (OSFS) Rename(from, to string) error { return os.Rename(from, to) }

// DryFS writes nothing: it overlays the real file system with the paths a run would have created or
// removed. A removed or replaced directory "shadows" what is on disk below it. The overlay is indexed
// by parent directory, so removing or renaming a directory costs the size of what is below it, not of
// the whole overlay (a 10,000-member dry run removes and renames 10,000 member directories).
type DryFS struct {
	mu       sync.Mutex
	overlay  map[string]dryEntry
	children map[string]map[string]struct{} // directory -> the overlay paths directly in it
}

type dryEntry struct {
	exists, dir, shadow bool
}

// NewDryFS returns an empty overlay.
func NewDryFS() *DryFS {
	return &DryFS{overlay: map[string]dryEntry{}, children: map[string]map[string]struct{}{}}
}

// set records e at path, indexing a new path under its directory.
func (d *DryFS) set(path string, e dryEntry) {
	if _, ok := d.overlay[path]; !ok {
		if parent := filepath.Dir(path); parent != path {
			kids := d.children[parent]
			if kids == nil {
				kids = map[string]struct{}{}
				d.children[parent] = kids
			}
			kids[path] = struct{}{}
		}
	}
	d.overlay[path] = e
}

// below returns every overlay path under dir (not dir itself).
func (d *DryFS) below(dir string) []string {
	var out []string
	var walk func(string)
	walk = func(p string) {
		for c := range d.children[p] {
			out = append(out, c)
			walk(c)
		}
	}
	walk(dir)
	return out
}

// Exists implements FS.
func (d *DryFS) Exists(path string) (bool, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.exists(filepath.Clean(path))
}

func (d *DryFS) exists(path string) (bool, bool) {
	if e, ok := d.overlay[path]; ok {
		return e.exists, e.dir
	}
	for p := filepath.Dir(path); ; p = filepath.Dir(p) {
		if e, ok := d.overlay[p]; ok && (e.shadow || !e.exists || !e.dir) {
			return false, false
		}
		if p == filepath.Dir(p) {
			break
		}
	}
	return OSFS{}.Exists(path)
}

// MkdirAll implements FS.
func (d *DryFS) MkdirAll(path string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		if ok, _ := d.exists(p); ok {
			break
		}
		e := d.overlay[p]
		d.set(p, dryEntry{exists: true, dir: true, shadow: e.shadow})
		if p == filepath.Dir(p) {
			break
		}
	}
	return nil
}

// RemoveAll implements FS.
func (d *DryFS) RemoveAll(path string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	path = filepath.Clean(path)
	d.dropBelow(path)
	d.set(path, dryEntry{shadow: true})
	return nil
}

// dropBelow forgets every overlay path under path.
func (d *DryFS) dropBelow(path string) {
	for _, p := range d.below(path) {
		delete(d.overlay, p)
		delete(d.children, p)
	}
	delete(d.children, path)
}

func (d *DryFS) setFile(path string) {
	path = filepath.Clean(path)
	e := d.overlay[path]
	d.set(path, dryEntry{exists: true, shadow: e.shadow})
}

// WriteFile implements FS.
func (d *DryFS) WriteFile(path string, _ []byte, _ fs.FileMode) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.setFile(path)
	return nil
}

// AppendFile implements FS.
func (d *DryFS) AppendFile(path string, _ []byte) error { return d.WriteFile(path, nil, 0) }

// CopyFile implements FS.
func (d *DryFS) CopyFile(_, dst string, _ fs.FileMode) error { return d.WriteFile(dst, nil, 0) }

// Symlink implements FS.
func (d *DryFS) Symlink(_, link string) error { return d.WriteFile(link, nil, 0) }

// Rename implements FS.
func (d *DryFS) Rename(from, to string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	from, to = filepath.Clean(from), filepath.Clean(to)
	moved := map[string]dryEntry{}
	for _, p := range d.below(from) {
		moved[to+p[len(from):]] = d.overlay[p]
	}
	_, dir := d.exists(from)
	d.dropBelow(from)
	d.dropBelow(to)
	d.set(from, dryEntry{shadow: true})
	d.set(to, dryEntry{exists: true, dir: dir, shadow: true})
	for p, e := range moved {
		d.set(p, e)
	}
	return nil
}
