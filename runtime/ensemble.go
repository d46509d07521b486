package runtime

import (
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strconv"
)

// Ensemble is a group of Models expanded from parameters and/or replicas, or filled by AddModel.
type Ensemble struct {
	Name          string
	Path          string
	RunSettings   *RunSettings
	BatchSettings *BatchSettings
	// Params, ParamsAsArgs, Replicas and NModels are create_ensemble's arguments, kept for the script
	// (ens.params) and the record; Strategy and Seed say how members were expanded (the seed is used by
	// "random" only).
	Params       []ParamSpec
	ParamsAsArgs []string
	Replicas     int
	NModels      int
	Strategy     string
	Seed         uint64
	MLModels     []*MLModel
	Scripts      []*Script

	members []*Model
	cwd     string
	log     *slog.Logger
}

// EnsembleArgs are create_ensemble's arguments. Seed nil means the experiment's seed.
type EnsembleArgs struct {
	Name          string
	Params        []ParamSpec
	ParamsAsArgs  []string
	RunSettings   *RunSettings
	BatchSettings *BatchSettings
	Replicas      int
	Strategy      Strategy // zero value means "all_perm"
	NModels       int
	Seed          *uint64
	Path          string
}

// EntityName implements Entity.
func (e *Ensemble) EntityName() string { return e.Name }

// EntityType implements Entity.
func (e *Ensemble) EntityType() string { return "Ensemble" }

// Models returns the members in order (a copy of the slice; the members themselves are shared).
func (e *Ensemble) Models() []*Model { return append([]*Model(nil), e.members...) }

// Len is the number of members.
func (e *Ensemble) Len() int { return len(e.members) }

// Member returns the member named name, or nil.
func (e *Ensemble) Member(name string) *Model {
	for _, m := range e.members {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// newEnsemble applies SmartSim's member-creation table with ssrun's decisions (docs/design.md §4): members are
// each parameter set × replicas, named {name}_{i}; each gets a deep copy of the run settings, its path
// under the ensemble's, key prefixing on, and its params_as_args appended to its exe args.
func newEnsemble(a EnsembleArgs, path, cwd string, seed uint64, log *slog.Logger) (*Ensemble, error) {
	e := &Ensemble{Name: a.Name, Path: path, RunSettings: a.RunSettings, BatchSettings: a.BatchSettings,
		Params: append([]ParamSpec(nil), a.Params...), ParamsAsArgs: append([]string(nil), a.ParamsAsArgs...),
		Replicas: a.Replicas, NModels: a.NModels, Seed: seed, cwd: cwd, log: log}
	strat := a.Strategy
	if strat.Name == "" && strat.User == nil {
		strat.Name = "all_perm"
	}
	e.Strategy = strat.Name
	sets, err := e.memberParams(a, strat, seed)
	if err != nil {
		return nil, err
	}
	if sets == nil {
		return e, nil
	}
	for _, set := range sets {
		m := &Model{Name: a.Name + "_" + strconv.Itoa(len(e.members)), Params: set.Clone(),
			ParamsAsArgs: append([]string(nil), a.ParamsAsArgs...), RunSettings: a.RunSettings.Clone(),
			keyPrefixing: true, cwd: cwd}
		m.Path = filepath.Join(path, m.Name)
		if err := m.ParamsToArgs(); err != nil {
			return nil, err
		}
		e.members = append(e.members, m)
	}
	return e, nil
}

// memberParams returns one Params per member (replicas included), nil for an empty batch ensemble.
func (e *Ensemble) memberParams(a EnsembleArgs, strat Strategy, seed uint64) ([]Params, error) {
	if strat.User == nil && !contains([]string{"all_perm", "step", "random"}, strat.Name) {
		return nil, Errorf(SSUnsupportedError, "Permutation strategy given is not supported: %s", strat.Name)
	}
	hasParams := len(a.Params) > 0
	noMembers := "Ensembles without 'params' or 'replicas' argument to expand into members cannot be given run settings"
	switch {
	case hasParams && a.RunSettings == nil:
		return nil, Errorf(SmartSimError, "%s", noMembers)
	case !hasParams && a.RunSettings != nil && a.Replicas <= 0:
		return nil, Errorf(SmartSimError, "%s", noMembers)
	case !hasParams && a.RunSettings == nil && a.BatchSettings == nil:
		return nil, Errorf(SmartSimError, "Ensemble must be provided batch settings or run settings")
	case !hasParams && a.RunSettings == nil:
		e.logger().Info("Empty ensemble created for batch launch")
		return nil, nil
	}
	replicas := max(a.Replicas, 1)
	sets := []Params{{}}
	if hasParams {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		var err error
		if sets, err = expandParams(a.Params, strat, a.NModels, rng); err != nil {
			return nil, err
		}
	}
	out := make([]Params, 0, len(sets)*replicas)
	for _, s := range sets {
		for range replicas {
			out = append(out, s)
		}
	}
	return out, nil
}

// AddModel appends a model as a member: its name must be new in the ensemble and the ensemble's ML
// models and scripts are attached to it (a name clash with what it already holds is refused).
func (e *Ensemble) AddModel(m *Model) error {
	if e.Member(m.Name) != nil {
		return Errorf(EntityExistsError, "Model %s already exists in ensemble %s", m.Name, e.Name)
	}
	for _, ml := range e.MLModels {
		if hasMLModel(m.MLModels, ml.Name) {
			return Errorf(SSUnsupportedError, "An ML Model with name \"%s\" already exists", ml.Name)
		}
	}
	for _, s := range e.Scripts {
		if hasScript(m.Scripts, s.Name) {
			return Errorf(SSUnsupportedError, "A Script with name \"%s\" already exists", s.Name)
		}
	}
	m.MLModels = append(m.MLModels, e.MLModels...)
	m.Scripts = append(m.Scripts, e.Scripts...)
	e.members = append(e.members, m)
	return nil
}

// EnableKeyPrefixing turns prefixing on for the current members.
func (e *Ensemble) EnableKeyPrefixing() {
	for _, m := range e.members {
		m.EnableKeyPrefixing()
	}
}

// QueryKeyPrefixing reports whether every member prefixes its keys (true for an empty ensemble).
func (e *Ensemble) QueryKeyPrefixing() bool {
	for _, m := range e.members {
		if !m.QueryKeyPrefixing() {
			return false
		}
	}
	return true
}

// RegisterIncomingEntity registers e2 as incoming on every current member.
func (e *Ensemble) RegisterIncomingEntity(e2 Entity) error {
	for _, m := range e.members {
		if err := m.RegisterIncomingEntity(e2); err != nil {
			return err
		}
	}
	return nil
}

// AttachGeneratorFiles attaches the same files to every current member (checked once).
func (e *Ensemble) AttachGeneratorFiles(toCopy, toSymlink, toConfigure []string) error {
	files, err := newEntityFiles(e.cwd, toCopy, toSymlink, toConfigure)
	if err != nil {
		return err
	}
	for _, m := range e.members {
		m.Files = files.Clone()
	}
	return nil
}

// AttachedFilesTable renders the attached files per member as print_attached_files shows them.
func (e *Ensemble) AttachedFilesTable() string {
	if len(e.members) == 0 {
		return "The ensemble is empty, no files to show."
	}
	rows := make([][]string, 0, len(e.members))
	for _, m := range e.members {
		rows = append(rows, []string{m.Name, m.Files.summary()})
	}
	return gridTable([]string{"Model name", "Files"}, rows)
}

// AddMLModel attaches ml to the ensemble and every current member; names are unique per ensemble.
func (e *Ensemble) AddMLModel(ml *MLModel) error {
	if hasMLModel(e.MLModels, ml.Name) {
		return Errorf(SSUnsupportedError, "An ML Model with name \"%s\" already exists", ml.Name)
	}
	e.MLModels = append(e.MLModels, ml)
	for _, m := range e.members {
		m.AddMLModel(ml)
	}
	return nil
}

// AddScript attaches a script or function to the ensemble and every current member.
func (e *Ensemble) AddScript(s *Script) error {
	if hasScript(e.Scripts, s.Name) {
		return Errorf(SSUnsupportedError, "A Script with name \"%s\" already exists", s.Name)
	}
	e.Scripts = append(e.Scripts, s)
	for _, m := range e.members {
		m.AddScript(s)
	}
	return nil
}

func hasMLModel(list []*MLModel, name string) bool {
	for _, x := range list {
		if x.Name == name {
			return true
		}
	}
	return false
}

func hasScript(list []*Script, name string) bool {
	for _, x := range list {
		if x.Name == name {
			return true
		}
	}
	return false
}

func (e *Ensemble) logger() *slog.Logger {
	if e.log != nil {
		return e.log
	}
	return slog.Default()
}
