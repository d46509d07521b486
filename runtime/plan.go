package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Plan is the canonical record of what an experiment did (real run) or would do (dry run): its
// entities and members with their params, every file operation of generation with the sha256 of the
// content, and every launch with argv, environment delta, working directory and output files. Paths
// are portable: the experiment path is written "$EXP" and the working directory "$CWD", so the same
// script gives the same plan bytes from any directory, and a dry run and a real run can be compared.
type Plan struct {
	Experiment PlanExperiment `json:"experiment"`
	Entities   []PlanEntity   `json:"entities"`
	FileOps    []FileOp       `json:"files"`
	Launches   []PlanLaunch   `json:"launches"`
	// Databases and DBObjects are the databases started and the ML objects stored (plan_db.go).
	Databases []PlanDatabase `json:"databases,omitempty"`
	DBObjects []PlanDBObject `json:"db_objects,omitempty"`
	// Resume is what --resume decided for each member (resume.go).
	Resume []PlanResume `json:"resume,omitempty"`

	mu       sync.Mutex
	exp      *Experiment
	entityAt map[string]int
}

// PlanExperiment identifies the experiment.
type PlanExperiment struct {
	Name     string `json:"name"`
	Launcher string `json:"launcher"`
	Seed     uint64 `json:"seed"`
	DryRun   bool   `json:"dry_run"`
}

// PlanEntity is a model, or an ensemble with its members.
type PlanEntity struct {
	Name          string      `json:"name"`
	Type          string      `json:"type"`
	Path          string      `json:"path"`
	Params        [][2]string `json:"params,omitempty"`
	Exe           string      `json:"exe,omitempty"`
	ExeArgs       []string    `json:"exe_args,omitempty"`
	Strategy      string      `json:"perm_strategy,omitempty"`
	Seed          *uint64     `json:"seed,omitempty"`
	BatchSettings []string    `json:"batch_args,omitempty"`
	Attached      *PlanFiles  `json:"attached,omitempty"`
	// Hash is a model's identity (member_hash.go).
	Hash    string       `json:"hash,omitempty"`
	Members []PlanEntity `json:"members,omitempty"`
}

// PlanFiles are the files attached to a model for generation (portable paths), so a plan names every
// input it was made from and `ssrun test --watch` knows which files a script depends on.
type PlanFiles struct {
	Copy      []string `json:"copy,omitempty"`
	Symlink   []string `json:"symlink,omitempty"`
	Configure []string `json:"configure,omitempty"`
}

// FileOp is one file operation of generation. Op is "mkdir", "copy", "symlink", "write", "append" or
// "remove"; Path is where (portable form); Source a copied file; Target a symlink's target; SHA256 the
// content written.
type FileOp struct {
	Op     string `json:"op"`
	Path   string `json:"path"`
	Source string `json:"source,omitempty"`
	Target string `json:"target,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Mode   string `json:"mode,omitempty"`
}

// PlanResume is resume's decision for one member: run (and why), skip, or attach.
type PlanResume struct {
	Name   string `json:"name"`
	Action string `json:"action"`
	Reason string `json:"reason"`
}

func (p *Plan) recordResume(r PlanResume) {
	if p.exp.opts.DiscardPlan {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.Resume = append(p.Resume, r)
}

// PlanLaunch is one launched job.
type PlanLaunch struct {
	Name     string   `json:"name"`
	Entity   string   `json:"entity"`
	Type     string   `json:"type"`
	RunID    int      `json:"run_id"`
	Run      string   `json:"run"`
	Argv     []string `json:"argv"`
	EnvDelta []string `json:"env"`
	Cwd      string   `json:"cwd"`
	Stdout   string   `json:"stdout"`
	Stderr   string   `json:"stderr"`
	// Script is a batch script's full text (batch launches only).
	Script string `json:"script,omitempty"`
}

func newPlan(e *Experiment) *Plan {
	return &Plan{exp: e, entityAt: map[string]int{},
		Experiment: PlanExperiment{Name: e.Name, Launcher: e.LauncherName, Seed: e.opts.Seed, DryRun: e.opts.DryRun}}
}

// Plan returns the experiment's plan so far.
func (e *Experiment) Plan() *Plan { return e.plan }

// portable rewrites absolute paths inside s to "$EXP/..." or "$CWD/...".
func (e *Experiment) portable(s string) string {
	if s == e.Path {
		return "$EXP"
	}
	s = strings.ReplaceAll(s, e.Path+"/", "$EXP/")
	if e.opts.Cwd != "/" && e.opts.Cwd != "" {
		if s == e.opts.Cwd {
			return "$CWD"
		}
		s = strings.ReplaceAll(s, e.opts.Cwd+"/", "$CWD/")
	}
	return s
}

// onPath is the prefix of an executable written by its name because PATH finds it: "$PATH/python3".
const onPath = "$PATH/"

// portableArgs is portableAll for a command line: an absolute path that PATH resolves from its base
// name (the exe a user gave as "echo" or "python3") is written "$PATH/echo", so a plan does not depend
// on where a machine installs its tools. It returns the rewrites made, to apply to a batch script.
func (e *Experiment) portableArgs(argv []string) ([]string, *strings.Replacer) {
	out := e.portableAll(argv)
	var pairs []string
	for i, a := range out {
		if short := pathExe(a); short != a {
			pairs = append(pairs, a, short)
			out[i] = short
		}
	}
	return out, strings.NewReplacer(pairs...)
}

// pathExe returns "$PATH/name" for an absolute path that exec.LookPath(name) finds, else p.
func pathExe(p string) string {
	if !filepath.IsAbs(p) {
		return p
	}
	name := filepath.Base(p)
	if found, err := exec.LookPath(name); err == nil && found == p {
		return onPath + name
	}
	return p
}

func (e *Experiment) portableAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = e.portable(s)
	}
	return out
}

// recordEntity adds or refreshes an entity's description (paths change on generate).
func (p *Plan) recordEntity(ent Entity) {
	if p.exp.opts.DiscardPlan {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pe := p.describe(ent)
	if i, ok := p.entityAt[pe.Name]; ok {
		p.Entities[i] = pe
		return
	}
	p.entityAt[pe.Name] = len(p.Entities)
	p.Entities = append(p.Entities, pe)
}

func (p *Plan) describe(ent Entity) PlanEntity {
	e := p.exp
	switch x := ent.(type) {
	case *Model:
		pe := PlanEntity{Name: x.Name, Type: "Model", Path: e.portable(x.Path), Params: pairs(x.Params)}
		if x.RunSettings != nil {
			pe.Exe = pathExe(e.portable(x.RunSettings.Exe))
			pe.ExeArgs = e.portableAll(x.RunSettings.ExeArgs)
		}
		if x.BatchSettings != nil {
			pe.BatchSettings = x.BatchSettings.FormatBatchArgs()
		}
		pe.Attached = p.describeFiles(x.Files)
		if x.RunSettings != nil {
			pe.Hash = e.identity(x).Hash
		}
		return pe
	case *Ensemble:
		seed := x.Seed
		pe := PlanEntity{Name: x.Name, Type: "Ensemble", Path: e.portable(x.Path), Strategy: x.Strategy, Seed: &seed}
		if x.BatchSettings != nil {
			pe.BatchSettings = x.BatchSettings.FormatBatchArgs()
		}
		for _, m := range x.members {
			pe.Members = append(pe.Members, p.describe(m))
		}
		return pe
	}
	if o, ok := ent.(*Orchestrator); ok {
		return PlanEntity{Name: o.Name, Type: o.EntityType(), Path: e.portable(o.Path)}
	}
	return PlanEntity{Name: ent.EntityName(), Type: ent.EntityType()}
}

// describeFiles returns the portable form of attached files, nil when there are none.
func (p *Plan) describeFiles(f *EntityFiles) *PlanFiles {
	if f == nil || len(f.Copy)+len(f.Symlink)+len(f.Configure) == 0 {
		return nil
	}
	e := p.exp
	return &PlanFiles{Copy: e.portableAll(f.Copy), Symlink: e.portableAll(f.Symlink), Configure: e.portableAll(f.Configure)}
}

func pairs(ps Params) [][2]string {
	out := make([][2]string, len(ps))
	for i, kv := range ps {
		out[i] = [2]string{kv.Key, kv.Value}
	}
	return out
}

func (p *Plan) recordFileOps(ops ...FileOp) {
	if p.exp.opts.DiscardPlan {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, op := range ops {
		op.Path = p.exp.portable(op.Path)
		op.Source = p.exp.portable(op.Source)
		op.Target = p.exp.portable(op.Target)
		p.FileOps = append(p.FileOps, op)
	}
}

func (p *Plan) recordLaunch(l PlanLaunch) {
	if p.exp.opts.DiscardPlan {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.exp
	var exes *strings.Replacer
	l.Argv, exes = e.portableArgs(l.Argv)
	l.EnvDelta = e.portableAll(l.EnvDelta)
	l.Cwd, l.Stdout, l.Stderr = e.portable(l.Cwd), e.portable(l.Stdout), e.portable(l.Stderr)
	l.Script = exes.Replace(e.portable(l.Script))
	p.Launches = append(p.Launches, l)
}

// JSON renders the plan as canonical JSON: keys sorted, two-space indent, trailing newline.
func (p *Plan) JSON() ([]byte, error) {
	p.mu.Lock()
	raw, err := json.Marshal(p)
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(generic); err != nil { // maps encode with sorted keys; Encode adds the newline
		return nil, err
	}
	return buf.Bytes(), nil
}

// MarshalJSON keeps nil slices as [] so the canonical form does not depend on emptiness history.
func (p *Plan) MarshalJSON() ([]byte, error) {
	type plain struct {
		Experiment PlanExperiment `json:"experiment"`
		Entities   []PlanEntity   `json:"entities"`
		FileOps    []FileOp       `json:"files"`
		Launches   []PlanLaunch   `json:"launches"`
		Databases  []PlanDatabase `json:"databases,omitempty"`
		DBObjects  []PlanDBObject `json:"db_objects,omitempty"`
		Resume     []PlanResume   `json:"resume,omitempty"`
	}
	out := plain{p.Experiment, p.Entities, p.FileOps, p.Launches, p.Databases, p.DBObjects, p.Resume}
	if out.Entities == nil {
		out.Entities = []PlanEntity{}
	}
	if out.FileOps == nil {
		out.FileOps = []FileOp{}
	}
	if out.Launches == nil {
		out.Launches = []PlanLaunch{}
	}
	for i := range out.Launches {
		if out.Launches[i].EnvDelta == nil {
			out.Launches[i].EnvDelta = []string{}
		}
	}
	return json.Marshal(out)
}

// Text renders the plan for people.
func (p *Plan) Text() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	x := p.Experiment
	fmt.Fprintf(&b, "Experiment %s (launcher %s, seed %d", x.Name, x.Launcher, x.Seed)
	if x.DryRun {
		b.WriteString(", dry run")
	}
	b.WriteString(")\n")
	b.WriteString("\nEntities:\n")
	for _, ent := range p.Entities {
		writeEntityText(&b, ent, "  ")
	}
	b.WriteString("\nFiles:\n")
	for _, op := range p.FileOps {
		fmt.Fprintf(&b, "  %-7s %s", op.Op, op.Path)
		if op.Source != "" {
			fmt.Fprintf(&b, " <- %s", op.Source)
		}
		if op.Target != "" {
			fmt.Fprintf(&b, " -> %s", op.Target)
		}
		if op.SHA256 != "" {
			fmt.Fprintf(&b, " sha256:%s", op.SHA256[:12])
		}
		b.WriteString("\n")
	}
	b.WriteString("\nLaunches:\n")
	for _, l := range p.Launches {
		fmt.Fprintf(&b, "  %s (%s, run %d, %s)\n", l.Name, l.Type, l.RunID, l.Run)
		fmt.Fprintf(&b, "    argv: %s\n", strings.Join(quoteArgs(l.Argv), " "))
		fmt.Fprintf(&b, "    cwd:  %s\n", l.Cwd)
		if len(l.EnvDelta) > 0 {
			env := append([]string(nil), l.EnvDelta...)
			sort.Strings(env)
			fmt.Fprintf(&b, "    env:  %s\n", strings.Join(env, " "))
		}
		fmt.Fprintf(&b, "    out:  %s\n    err:  %s\n", l.Stdout, l.Stderr)
		if l.Script != "" {
			b.WriteString("    script:\n")
			writeIndentedText(&b, "      ", l.Script)
		}
	}
	writeDatabasesText(&b, p)
	if len(p.Resume) > 0 {
		b.WriteString("\nResume:\n")
		for _, r := range p.Resume {
			fmt.Fprintf(&b, "  %s: %s (%s)\n", r.Name, r.Action, r.Reason)
		}
	}
	return b.String()
}

func writeEntityText(b *strings.Builder, ent PlanEntity, indent string) {
	fmt.Fprintf(b, "%s%s %s at %s", indent, ent.Type, ent.Name, ent.Path)
	if ent.Strategy != "" {
		fmt.Fprintf(b, " (%s, seed %d, %d members)", ent.Strategy, *ent.Seed, len(ent.Members))
	}
	b.WriteString("\n")
	if len(ent.Params) > 0 {
		kv := make([]string, len(ent.Params))
		for i, p := range ent.Params {
			kv[i] = p[0] + "=" + p[1]
		}
		fmt.Fprintf(b, "%s  params: %s\n", indent, strings.Join(kv, ", "))
	}
	if ent.Exe != "" {
		fmt.Fprintf(b, "%s  exe: %s\n", indent, strings.Join(quoteArgs(append([]string{ent.Exe}, ent.ExeArgs...)), " "))
	}
	if ent.Hash != "" {
		fmt.Fprintf(b, "%s  hash: %s\n", indent, ent.Hash[:16])
	}
	if len(ent.BatchSettings) > 0 {
		fmt.Fprintf(b, "%s  batch: %s\n", indent, strings.Join(quoteArgs(ent.BatchSettings), " "))
	}
	if a := ent.Attached; a != nil {
		writeAttachedText(b, indent+"  ", "copy", a.Copy)
		writeAttachedText(b, indent+"  ", "symlink", a.Symlink)
		writeAttachedText(b, indent+"  ", "configure", a.Configure)
	}
	for _, m := range ent.Members {
		writeEntityText(b, m, indent+"  ")
	}
}

// writeIndentedText writes text line by line under indent, leaving empty lines empty (no trailing
// blanks in golden files).
func writeIndentedText(b *strings.Builder, indent, text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if line != "" {
			b.WriteString(indent + line)
		}
		b.WriteString("\n")
	}
}

// writeAttachedText writes one kind of attached file: "copy: a b".
func writeAttachedText(b *strings.Builder, indent, kind string, paths []string) {
	if len(paths) > 0 {
		fmt.Fprintf(b, "%s%s: %s\n", indent, kind, strings.Join(quoteArgs(paths), " "))
	}
}

// quoteArgs quotes arguments that a shell would split, for display only.
func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\`*?[]{}()<>|&;#~") {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		} else {
			out[i] = a
		}
	}
	return out
}
