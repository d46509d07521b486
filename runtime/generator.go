package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// GenerateOptions are generate()'s keyword arguments. Tag "" means DefaultTag. StrictTags makes an
// unknown tag in a configured file an error instead of a warning.
type GenerateOptions struct {
	Tag        string
	Overwrite  bool
	StrictTags bool
	Verbose    bool
}

// Generate creates the experiment directory and each entity's directory in SmartSim's layout
// (exp_path/<model>, exp_path/<ens>/<ens>_<i>), copying, symlinking and configuring attached files and
// writing smartsim_params.txt (global and per member). Entity paths are reset to their generated
// directory, as SmartSim does. Each entity directory is built completely in a temporary sibling and then
// renamed into place, so an error leaves no half-written entity directory.
func (e *Experiment) Generate(entities []Entity, o GenerateOptions) error {
	if err := validateEntities(entities); err != nil {
		return err
	}
	if e.opts.Resume {
		if _, err := e.resumeJournal(); err != nil {
			return err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g := &generator{exp: e, fs: e.opts.FS, opts: o}
	return g.run(entities)
}

type generator struct {
	exp     *Experiment
	fs      FS
	opts    GenerateOptions
	sources map[string][]byte // configured source files, read once per generate call (see source)
}

// maxCachedSource bounds the configured files kept in memory between members: a tagged input is
// read once for 1,000 members, while a configured file of hundreds of MiB is read per member rather
// than held.
const maxCachedSource = 1 << 20

// source returns a configured file's content, read once per generate call when it is small.
func (g *generator) source(path string) ([]byte, error) {
	if b, ok := g.sources[path]; ok {
		return b, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) <= maxCachedSource {
		if g.sources == nil {
			g.sources = map[string][]byte{}
		}
		g.sources[path] = b
	}
	return b, nil
}

func (g *generator) run(entities []Entity) error {
	exp := g.exp
	if ok, dir := g.fs.Exists(exp.Path); ok && !dir {
		if st, err := os.Stat(exp.Path); err != nil || !st.IsDir() { // a link to a directory is fine
			return Errorf(FileExistsError, "Experiment path %s exists and is not a directory", exp.Path)
		}
	}
	if err := g.fs.MkdirAll(exp.Path); err != nil {
		return Errorf(SmartSimError, "Could not create experiment directory %s: %w", exp.Path, err)
	}
	header := []byte("Generation start date and time: " + exp.opts.Now().Format("02/01/2006 15:04:05") + "\n")
	logPath := filepath.Join(exp.Path, ParamsFileName)
	if err := g.fs.WriteFile(logPath, header, 0o644); err != nil {
		return Errorf(SmartSimError, "Could not write %s: %w", logPath, err)
	}
	exp.plan.recordFileOps(FileOp{Op: "write", Path: logPath, SHA256: sha(header)})
	for _, ent := range entities {
		if ens, ok := ent.(*Ensemble); ok {
			if err := g.ensemble(ens); err != nil {
				return err
			}
		}
	}
	for _, ent := range entities {
		if m, ok := ent.(*Model); ok {
			if err := g.entity(m, filepath.Join(exp.Path, m.Name)); err != nil {
				return err
			}
			exp.plan.recordEntity(m)
		}
	}
	return nil
}

func (g *generator) ensemble(ens *Ensemble) error {
	dir := filepath.Join(g.exp.Path, ens.Name)
	if ok, _ := g.fs.Exists(dir); ok && g.opts.Overwrite && !g.exp.opts.Resume { // resume keeps unchanged members
		if err := g.fs.RemoveAll(dir); err != nil {
			return Errorf(SmartSimError, "Could not remove %s: %w", dir, err)
		}
		g.exp.plan.recordFileOps(FileOp{Op: "remove", Path: dir})
	}
	if err := g.fs.MkdirAll(dir); err != nil {
		return Errorf(SmartSimError, "Could not create %s: %w", dir, err)
	}
	g.exp.plan.recordFileOps(FileOp{Op: "mkdir", Path: dir})
	ens.Path = dir
	for _, m := range ens.members {
		if err := g.entity(m, filepath.Join(dir, m.Name)); err != nil {
			return err
		}
	}
	g.exp.plan.recordEntity(ens)
	return nil
}

// entity builds one model's directory at dst, all or nothing.
func (g *generator) entity(m *Model, dst string) error {
	exists, _ := g.fs.Exists(dst)
	if exists && g.exp.opts.Resume {
		if g.exp.generationKeeps(m) { // its directory holds the outputs of a run resume will skip or follow
			m.Path = dst
			g.exp.opts.Log.Debug("resume: keeping the directory of " + m.Name)
			return nil
		}
		// a member that will run again is regenerated in place
	} else if exists && !g.opts.Overwrite {
		return Errorf(FileExistsError, "Directory for entity %s already exists in path %s", m.Name, dst)
	}
	tree, block, err := g.planTree(m, dst)
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(dst), ".ssrun-gen-"+filepath.Base(dst))
	if err := g.materialise(tmp, tree); err != nil {
		_ = g.fs.RemoveAll(tmp)
		return Errorf(SmartSimError, "Could not generate %s: %w", dst, err)
	}
	if exists {
		if err := g.fs.RemoveAll(dst); err != nil {
			_ = g.fs.RemoveAll(tmp)
			return Errorf(SmartSimError, "Could not remove %s: %w", dst, err)
		}
	}
	if err := g.fs.Rename(tmp, dst); err != nil {
		_ = g.fs.RemoveAll(tmp)
		return Errorf(SmartSimError, "Could not move %s into place: %w", dst, err)
	}
	m.Path = dst
	var ops []FileOp
	if exists {
		ops = append(ops, FileOp{Op: "remove", Path: dst})
	}
	ops = append(ops, FileOp{Op: "mkdir", Path: dst})
	for _, n := range tree.order {
		op := tree.nodes[n].op
		op.Path = filepath.Join(dst, n)
		ops = append(ops, op)
	}
	g.exp.plan.recordFileOps(ops...)
	if block != nil {
		logPath := filepath.Join(g.exp.Path, ParamsFileName)
		if err := g.fs.AppendFile(logPath, block); err != nil {
			return Errorf(SmartSimError, "Could not write %s: %w", logPath, err)
		}
		g.exp.plan.recordFileOps(FileOp{Op: "append", Path: logPath, SHA256: sha(block)})
	}
	return nil
}

// memberTree is the planned content of one entity directory, keyed by path relative to it.
type memberTree struct {
	order []string
	nodes map[string]*treeNode
}

type treeNode struct {
	op      FileOp // Op, Source, Target, SHA256, Mode (Path is filled in when recorded)
	content []byte // for "write"
	perm    fs.FileMode
}

// add places a node at rel, refusing paths that leave the directory or go through a symlink or file.
// A later file replaces an earlier one at the same path (SmartSim's copy-then-configure order).
func (t *memberTree) add(rel string, n *treeNode) error {
	rel = filepath.Clean(rel)
	if !filepath.IsLocal(rel) {
		return Errorf(ValueError, "Refusing to write %s: it is outside the entity directory", rel)
	}
	for p := filepath.Dir(rel); p != "."; p = filepath.Dir(p) {
		if parent, ok := t.nodes[p]; ok && parent.op.Op != "mkdir" {
			return Errorf(ValueError, "Refusing to write %s: %s is a %s, not a directory", rel, p, parent.op.Op)
		}
	}
	if old, ok := t.nodes[rel]; ok {
		if old.op.Op == "mkdir" && n.op.Op == "mkdir" {
			return nil
		}
		if old.op.Op == "mkdir" || n.op.Op == "mkdir" {
			kinds := old.op.Op + " and " + n.op.Op
			return Errorf(ValueError, "Refusing to write %s: attached files make it both a directory and a file (%s)", rel, kinds)
		}
		t.nodes[rel] = n
		return nil
	}
	for p := filepath.Dir(rel); p != "."; p = filepath.Dir(p) {
		if _, ok := t.nodes[p]; !ok {
			if err := t.add(p, &treeNode{op: FileOp{Op: "mkdir"}}); err != nil {
				return err
			}
		}
	}
	t.nodes[rel] = n
	t.order = append(t.order, rel)
	return nil
}

// planTree computes everything the entity directory will hold, reading sources but writing nothing:
// copies (a directory's contents merged into the entity dir), symlinks to the absolute sources, and
// configured files with their substituted content, then smartsim_params.txt if any param was used.
// It returns the params block for the experiment's smartsim_params.txt (nil if nothing was used).
func (g *generator) planTree(m *Model, dst string) (*memberTree, []byte, error) {
	tree := &memberTree{nodes: map[string]*treeNode{}}
	files := m.Files
	if files == nil {
		files = &EntityFiles{}
	}
	for _, src := range files.Copy {
		if err := g.walk(src, func(rel, path string, d fs.FileInfo) error {
			return g.addCopy(tree, rel, path, d)
		}); err != nil {
			return nil, nil, err
		}
	}
	for _, src := range files.Symlink {
		if err := tree.add(filepath.Base(src), &treeNode{op: FileOp{Op: "symlink", Target: src}}); err != nil {
			return nil, nil, err
		}
	}
	var logRows [][2]string // relative file path → its Name/Value table
	var used Params         // every param substituted, in order of first use
	for _, src := range files.Configure {
		err := g.walk(src, func(rel, path string, d fs.FileInfo) error {
			if d.IsDir() {
				return tree.add(rel, &treeNode{op: FileOp{Op: "mkdir"}})
			}
			content, err := g.source(path)
			if err != nil {
				return Errorf(ParameterWriterError, "Failed to read configuration file to write at %s", path)
			}
			res := configureContent(content, m.Params, g.opts.Tag)
			if msgs := unusedMessages(res.unused); len(msgs) > 0 {
				if g.opts.StrictTags {
					return Errorf(SmartSimError, "%s in configuration file %s", strings.Join(msgs, "; "), path)
				}
				for _, msg := range msgs {
					g.exp.opts.Log.Warn(msg, "file", path, "model", m.Name)
				}
			}
			if len(res.used) > 0 {
				relToExp, _ := filepath.Rel(g.exp.Path, filepath.Join(dst, rel))
				logRows = append(logRows, [2]string{relToExp, paramsTable(res.used)})
				for _, p := range res.used {
					if _, dup := used.Get(p.Key); !dup {
						used = append(used, p)
					}
				}
			}
			return tree.add(rel, &treeNode{op: FileOp{Op: "write", SHA256: sha(res.content), Mode: modeString(d.Mode())},
				content: res.content, perm: d.Mode().Perm()})
		})
		if err != nil {
			return nil, nil, err
		}
	}
	var block []byte
	if len(logRows) > 0 {
		block = paramsBlock(m.Name, logRows)
		if err := tree.add(ParamsFileName, &treeNode{op: FileOp{Op: "write", SHA256: sha(block)}, content: block, perm: 0o644}); err != nil {
			return nil, nil, err
		}
	}
	g.logConfigured(m, used)
	return tree, block, nil
}

func (g *generator) logConfigured(m *Model, used Params) {
	msg := "Configured model " + m.Name + " with no parameters"
	if len(used) > 0 {
		kv := make([]string, len(used))
		for i, p := range used {
			kv[i] = p.Key + "=" + p.Value
		}
		msg = "Configured model " + m.Name + " with params " + strings.Join(kv, ", ")
	}
	if g.opts.Verbose {
		g.exp.opts.Log.Info(msg)
	} else {
		g.exp.opts.Log.Debug(msg)
	}
}

// walk visits src (a file: its basename; a directory: its contents, recursively, relative to it).
func (g *generator) walk(src string, visit func(rel, path string, info fs.FileInfo) error) error {
	info, err := os.Stat(src)
	if err != nil {
		return Errorf(FileNotFoundError, "File or Directory %s not found", src)
	}
	if !info.IsDir() {
		return visit(filepath.Base(src), src, info)
	}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == src {
			return nil
		}
		rel, _ := filepath.Rel(src, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		return visit(rel, path, info)
	})
}

func (g *generator) addCopy(tree *memberTree, rel, path string, info fs.FileInfo) error {
	switch {
	case info.IsDir():
		return tree.add(rel, &treeNode{op: FileOp{Op: "mkdir"}})
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return err
		}
		return tree.add(rel, &treeNode{op: FileOp{Op: "symlink", Target: target}})
	case !info.Mode().IsRegular():
		return Errorf(ValueError, "Cannot copy %s: not a regular file", path)
	}
	sum, err := g.fileHash(path)
	if err != nil {
		return err
	}
	return tree.add(rel, &treeNode{op: FileOp{Op: "copy", Source: path, SHA256: sum, Mode: modeString(info.Mode())}, perm: info.Mode().Perm()})
}

// fileHash is a copied file's content digest for the plan, from the experiment's digest cache: a
// source copied into 1,000 members is read once per driver run, for the plan and the member
// identities alike (member_hash.go).
func (g *generator) fileHash(path string) (string, error) {
	sum, err := g.exp.digests.content(path)
	if err != nil {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) && pe.Op == "open" {
			return "", Errorf(FileNotFoundError, "File or Directory %s not found", path)
		}
		return "", err
	}
	return sum, nil
}

// materialise writes the planned tree under dir (a fresh temporary directory).
func (g *generator) materialise(dir string, tree *memberTree) error {
	if err := g.fs.RemoveAll(dir); err != nil {
		return err
	}
	if err := g.fs.MkdirAll(dir); err != nil {
		return err
	}
	for _, rel := range tree.order {
		n := tree.nodes[rel]
		path := filepath.Join(dir, rel)
		var err error
		switch n.op.Op {
		case "mkdir":
			err = g.fs.MkdirAll(path)
		case "copy":
			err = g.fs.CopyFile(n.op.Source, path, n.perm)
		case "symlink":
			err = g.fs.Symlink(n.op.Target, path)
		case "write":
			err = g.fs.WriteFile(path, n.content, n.perm)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func modeString(m fs.FileMode) string { return fmt.Sprintf("%04o", m.Perm()) }

// paramsTable is tabulate(params, headers=["Name", "Value"]) in the simple format.
func paramsTable(used Params) string {
	rows := make([][]string, len(used))
	for i, p := range used {
		rows[i] = []string{p.Key, p.Value}
	}
	return tabulate([]string{"Name", "Value"}, rows, "simple", true)
}

// paramsBlock is one entity's block of smartsim_params.txt, as SmartSim writes it.
func paramsBlock(model string, files [][2]string) []byte {
	rows := make([][]string, len(files))
	for i, f := range files {
		rows[i] = []string{f[0], f[1]}
	}
	return []byte("Model name: " + model + "\n" + tabulate([]string{"File name", "Parameters"}, rows, "simple", true) + "\n\n")
}
