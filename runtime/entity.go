package runtime

import (
	"strings"
	"unicode/utf8"
)

// Entity is what generate, start, stop, get_status and friends accept: a *Model or an *Ensemble (an
// *Orchestrator comes with the next issue). The adapter turns other script values into the TypeError of
// NotAnEntity.
type Entity interface {
	// EntityName is the entity's name, unique within an experiment run.
	EntityName() string
	// EntityType is SmartSim's class name: "Model", "Ensemble".
	EntityType() string
}

// NotAnEntity is SmartSim's Manifest TypeError for an argument of start/generate/stop/... that is not
// an entity; typeName is the script type of the argument.
func NotAnEntity(typeName string) error {
	return Errorf(TypeError, "Entity has type %s, not SmartSimEntity or EntityList", typeName)
}

// Model is one runnable entity: an executable with its settings, parameters and attached files.
type Model struct {
	Name          string
	Path          string
	Params        Params
	ParamsAsArgs  []string
	RunSettings   *RunSettings
	BatchSettings *BatchSettings
	Files         *EntityFiles
	Incoming      []string
	MLModels      []*MLModel
	Scripts       []*Script

	keyPrefixing bool
	cwd          string // base for relative attached-file paths
}

// EntityName implements Entity.
func (m *Model) EntityName() string { return m.Name }

// EntityType implements Entity.
func (m *Model) EntityType() string { return "Model" }

// EnableKeyPrefixing makes the model send its name as SSKEYOUT so its keys are prefixed.
func (m *Model) EnableKeyPrefixing() { m.keyPrefixing = true }

// DisableKeyPrefixing turns prefixing off.
func (m *Model) DisableKeyPrefixing() { m.keyPrefixing = false }

// QueryKeyPrefixing reports whether prefixing is on.
func (m *Model) QueryKeyPrefixing() bool { return m.keyPrefixing }

// RegisterIncomingEntity records an entity whose keys this model reads (SSKEYIN), once per name.
func (m *Model) RegisterIncomingEntity(e Entity) error {
	for _, n := range m.Incoming {
		if n == e.EntityName() {
			return Errorf(EntityExistsError, "'%s' has already been registered as an incoming entity", n)
		}
	}
	m.Incoming = append(m.Incoming, e.EntityName())
	return nil
}

// AttachGeneratorFiles replaces the model's attached files (paths relative to the experiment's working
// directory are made absolute; every path must exist now).
func (m *Model) AttachGeneratorFiles(toCopy, toSymlink, toConfigure []string) error {
	files, err := newEntityFiles(m.cwd, toCopy, toSymlink, toConfigure)
	if err != nil {
		return err
	}
	m.Files = files
	return nil
}

// AttachedFilesTable renders the attached files as SmartSim's attached_files_table does.
func (m *Model) AttachedFilesTable() string { return m.Files.summary() }

// ParamsToArgs appends each params_as_args parameter to the exe args, formatted by CatArgAndValue and
// split on whitespace, in params_as_args order.
func (m *Model) ParamsToArgs() error {
	for _, name := range m.ParamsAsArgs {
		v, ok := m.Params.Get(name)
		if !ok {
			return Errorf(ValueError, "Tried to convert %s to command line argument for Model %s, but its value was not found in model params", name, m.Name)
		}
		if m.RunSettings == nil {
			return Errorf(ValueError, "Tried to configure command line parameter for Model %s, but no RunSettings are set.", m.Name)
		}
		m.RunSettings.AddExeArgsString(CatArgAndValue(name, v))
	}
	return nil
}

// AddMLModel attaches an ML model to be loaded into the database before the model runs.
func (m *Model) AddMLModel(ml *MLModel) { m.MLModels = append(m.MLModels, ml) }

// AddScript attaches a script or function to be loaded into the database before the model runs.
func (m *Model) AddScript(s *Script) { m.Scripts = append(m.Scripts, s) }

// CatArgAndValue formats a parameter as a command-line argument exactly as SmartSim's
// cat_arg_and_value: "--foo" → "--foo=V", "-foo" → "-foo V", "x" → "-x V", "xx" → "--xx=V".
func CatArgAndValue(name, value string) string {
	switch {
	case strings.HasPrefix(name, "--"):
		return name + "=" + value
	case strings.HasPrefix(name, "-"):
		return name + " " + value
	case utf8.RuneCountInString(name) == 1:
		return "-" + name + " " + value
	default:
		return "--" + name + "=" + value
	}
}
