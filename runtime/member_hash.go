package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// A member's identity is a content hash of everything that determines its run, so `--resume` can prove
// a member unchanged instead of trusting timestamps: touching an input changes nothing, editing it
// changes the hash of every member that uses it. The hash is built from named parts ("params",
// "file in.txt", "exe", ...), each digested on its own, so a resume can say which part changed.
//
// Paths enter in their portable form ($EXP, $CWD, $PATH/name), so an experiment keeps its identity
// when its directory is moved and a plan's hashes do not depend on where the checkout lives.
// Configured files enter as their source content: the rendered content is a function of the source
// and the params, which are a part of their own.

// identityPart names of the parts that are not files (those are "file <base name>").
const (
	partParams  = "params"
	partExe     = "exe"
	partArgs    = "args"
	partRun     = "run"
	partBatch   = "batch"
	partEnv     = "env"
	partML      = "ml"
	filePartPfx = "file "
)

// memberIdentity is a member's hash and the digests of its parts (16 hex digits each, enough to tell
// a change; the hash itself is a full sha256).
type memberIdentity struct {
	Hash  string
	Parts map[string]string
}

// digestCache digests each input file once per driver run: 10,000 members copying one input hash it
// once. Files do not change under a running driver in any way resume could use. Generation records
// the same content digests in the plan (generator.go), so a copied file is read once per run for
// both.
type digestCache struct {
	mu       sync.Mutex
	files    map[string]string
	contents map[string]string // regular file → sha256 of its content, hex
	exes     map[string]string // exe → its portable form (pathExe searches PATH)
}

func (c *digestCache) exe(e *Experiment, exe string) string {
	c.mu.Lock()
	short, ok := c.exes[exe]
	c.mu.Unlock()
	if ok {
		return short
	}
	short = pathExe(e.portable(exe))
	c.mu.Lock()
	if c.exes == nil {
		c.exes = map[string]string{}
	}
	c.exes[exe] = short
	c.mu.Unlock()
	return short
}

func (c *digestCache) file(path string) string {
	c.mu.Lock()
	d, ok := c.files[path]
	c.mu.Unlock()
	if ok {
		return d
	}
	d = c.digestPath(path)
	c.mu.Lock()
	if c.files == nil {
		c.files = map[string]string{}
	}
	c.files[path] = d
	c.mu.Unlock()
	return d
}

// digestPath digests a file's content, a directory's tree (relative names, kinds and contents), or a
// symlink's target; a missing path digests as "missing" (generation reports it, not the hash).
func (c *digestCache) digestPath(path string) string {
	info, err := os.Lstat(path)
	if err != nil {
		return "missing"
	}
	h := sha256.New()
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(path)
		fmt.Fprintf(h, "symlink %s\n", target)
		if st, err := os.Stat(path); err == nil && !st.IsDir() {
			fmt.Fprintf(h, "content %s\n", c.digestFile(path))
		}
	case info.IsDir():
		_ = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == path {
				return nil
			}
			rel, _ := filepath.Rel(path, p)
			switch {
			case d.Type()&fs.ModeSymlink != 0:
				target, _ := os.Readlink(p)
				fmt.Fprintf(h, "l %s %s\n", rel, target)
			case d.IsDir():
				fmt.Fprintf(h, "d %s\n", rel)
			default:
				fi, _ := d.Info()
				mode := fs.FileMode(0)
				if fi != nil {
					mode = fi.Mode().Perm()
				}
				fmt.Fprintf(h, "f %s %04o %s\n", rel, mode, c.digestFile(p))
			}
			return nil
		})
	default:
		fmt.Fprintf(h, "f %04o %s\n", info.Mode().Perm(), c.digestFile(path))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// digestFile is the content digest of a file, or "unreadable".
func (c *digestCache) digestFile(path string) string {
	sum, err := c.content(path)
	if err != nil {
		return "unreadable"
	}
	return sum
}

// openForDigest opens the files content digests read (tests count the reads through it).
var openForDigest = os.Open

// content is the sha256 of the file at path (following symlinks), hex, read once per driver run.
func (c *digestCache) content(path string) (string, error) {
	c.mu.Lock()
	sum, ok := c.contents[path]
	c.mu.Unlock()
	if ok {
		return sum, nil
	}
	f, err := openForDigest(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	sum = hex.EncodeToString(h.Sum(nil))
	c.mu.Lock()
	if c.contents == nil {
		c.contents = map[string]string{}
	}
	c.contents[path] = sum
	c.mu.Unlock()
	return sum, nil
}

// shortDigest digests the strings of one part: "<len>:<item>\n" each (written without fmt: a resume
// of 10,000 members digests some 100,000 parts).
func shortDigest(items ...string) string {
	h := sha256.New()
	var buf []byte
	for _, s := range items {
		buf = strconv.AppendInt(buf[:0], int64(len(s)), 10)
		buf = append(buf, ':')
		buf = append(buf, s...)
		buf = append(buf, '\n')
		h.Write(buf)
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:8])
}

// identity computes m's identity as it would run now.
func (e *Experiment) identity(m *Model) memberIdentity {
	parts := map[string]string{}
	params := make([]string, 0, 2*len(m.Params))
	for _, p := range m.Params {
		params = append(params, p.Key, p.Value)
	}
	parts[partParams] = shortDigest(params...)
	e.fileParts(m, parts)
	if rs := m.RunSettings; rs != nil {
		parts[partExe] = e.exeDigest(rs.Exe)
		parts[partArgs] = shortDigest(e.portableAll(rs.ExeArgs)...)
		run := append([]string{rs.RunCommand}, rs.FormatRunArgs()...)
		for _, mp := range rs.MPMD {
			run = append(run, ":", e.exeDigest(mp.Exe))
			run = append(run, e.portableAll(mp.Command())...)
		}
		parts[partRun] = shortDigest(e.portableAll(run)...)
	}
	if bs := m.BatchSettings; bs != nil {
		parts[partBatch] = shortDigest(append([]string{bs.Kind}, bs.FormatBatchArgs()...)...)
	}
	if m.RunSettings != nil {
		_, delta := e.jobEnv(m)
		parts[partEnv] = shortDigest(e.portableAll(delta)...)
	}
	if len(m.MLModels)+len(m.Scripts) > 0 {
		parts[partML] = e.mlDigest(m)
	}
	keys := make([]string, 0, len(parts))
	for k := range parts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	var buf []byte
	for _, k := range keys {
		buf = append(append(append(append(buf[:0], k...), '='), parts[k]...), '\n')
		h.Write(buf)
	}
	return memberIdentity{Hash: hex.EncodeToString(h.Sum(nil)), Parts: parts}
}

// fileParts adds one part per attached source: "file in.txt" (the base name; a second source with the
// same base name is told apart by its portable path).
func (e *Experiment) fileParts(m *Model, parts map[string]string) {
	if m.Files == nil {
		return
	}
	add := func(kind string, srcs []string) {
		for _, src := range srcs {
			key := filePartPfx + filepath.Base(src)
			if _, dup := parts[key]; dup {
				key = filePartPfx + e.portable(src)
			}
			parts[key] = shortDigest(kind, e.portable(src), e.digests.file(src))
		}
	}
	add("copy", m.Files.Copy)
	add("symlink", m.Files.Symlink)
	add("configure", m.Files.Configure)
}

// exeDigest is the resolved executable's portable path and content digest. In a hermetic dry run
// (golden tests) an executable found on PATH is identified by its name only, so golden plans do not
// depend on the build of the machine's tools.
func (e *Experiment) exeDigest(exe string) string {
	short := e.digests.exe(e, exe)
	if e.opts.Hermetic && strings.HasPrefix(short, onPath) {
		return shortDigest(short)
	}
	return shortDigest(short, e.digests.file(exe))
}

func (e *Experiment) mlDigest(m *Model) string {
	var items []string
	for _, x := range m.MLModels {
		blob := shortDigest(string(x.Model))
		if len(x.Model) == 0 && x.ModelPath != "" {
			blob = e.digests.file(x.ModelPath)
		}
		items = append(items, "model", x.Name, x.Backend, blob, strings.Join(x.Devices, ","),
			fmt.Sprint(x.BatchSize, x.MinBatchSize, x.MinBatchTimeout), x.Tag,
			strings.Join(x.Inputs, ","), strings.Join(x.Outputs, ","))
	}
	for _, s := range m.Scripts {
		src := shortDigest(s.Script)
		if s.Script == "" && s.ScriptPath != "" {
			src = e.digests.file(s.ScriptPath)
		}
		items = append(items, "script", s.Name, src, strings.Join(s.Devices, ","))
	}
	return shortDigest(items...)
}

// changedParts names what differs between an earlier identity's parts and now, in a stable order:
// params, files, executable, the rest.
func changedParts(old, now map[string]string) string {
	if len(old) == 0 {
		return "identity not recorded"
	}
	if old[partParams] != now[partParams] {
		return "params changed"
	}
	var files []string
	for k, v := range now {
		if strings.HasPrefix(k, filePartPfx) && old[k] != v {
			files = append(files, strings.TrimPrefix(k, filePartPfx))
		}
	}
	for k := range old {
		if _, ok := now[k]; !ok && strings.HasPrefix(k, filePartPfx) {
			files = append(files, strings.TrimPrefix(k, filePartPfx))
		}
	}
	if len(files) > 0 {
		sort.Strings(files)
		return "file " + strings.Join(files, ", ") + " changed"
	}
	names := []struct{ key, what string }{{partExe, "executable changed"}, {partArgs, "exe args changed"},
		{partRun, "run settings changed"}, {partBatch, "batch settings changed"},
		{partEnv, "environment changed"}, {partML, "ML objects changed"}}
	for _, n := range names {
		if old[n.key] != now[n.key] {
			return n.what
		}
	}
	return "changed"
}
