package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Colocation is a model's private database (colocate_db_tcp / colocate_db_uds): an `ssrun db` that the
// model's own step starts on each of its nodes (the step runs `ssrun colocated ... -- <exe>`), reached
// through SSDB=127.0.0.1:<port> or unix://<socket>, loaded with the model's ML objects, and stopped
// when the model exits.
type Colocation struct {
	Port              int    // TCP port; 0 for a socket
	UnixSocket        string // socket path (colocate_db_uds)
	SocketPermissions int    // SmartSim's octal-looking number, e.g. 755
	IfName            string
	DBCPUs            int
	Pinning           string // "0,1,3"; "" for none
	Debug             bool
	DBIdentifier      string
	Extra             []Arg // other keyword arguments: --key value options of the database
}

// ColocateArgs are the arguments colocate_db_tcp and colocate_db_uds share. Pinning nil means
// SmartSim's default (the first db_cpus cores); an empty non-nil slice means no pinning.
type ColocateArgs struct {
	DBCPUs       int
	Pinning      []int
	Debug        bool
	DBIdentifier string
	Extra        []Arg
}

var socketRE = regexp.MustCompile(`^[a-zA-Z0-9.:\,_\-/]*$`)

// colocations maps *Model to its *Colocation (the model type belongs to the foundation's files).
var colocations sync.Map

func colocationOf(m *Model) *Colocation {
	if v, ok := colocations.Load(m); ok {
		return v.(*Colocation)
	}
	return nil
}

// ColocationOf returns the model's colocated database, nil when it has none.
func ColocationOf(m *Model) *Colocation { return colocationOf(m) }

// ColocateDBTCP is colocate_db_tcp(port=6379, ifname="lo", db_cpus=1, custom_pinning=None,
// debug=False, db_identifier="", **kwargs).
func (m *Model) ColocateDBTCP(port int, ifname string, a ColocateArgs) error {
	if port < 0 || port > 65535 {
		return Errorf(ValueError, "port %d is not a TCP port", port)
	}
	if ifname == "" {
		ifname = "lo"
	}
	return m.colocate(&Colocation{Port: port, IfName: ifname}, a)
}

// ColocateDBUDS is colocate_db_uds(unix_socket="/tmp/redis.socket", socket_permissions=755, ...).
func (m *Model) ColocateDBUDS(socket string, permissions int, a ColocateArgs) error {
	if !socketRE.MatchString(socket) || socket == "" {
		return Errorf(ValueError, "Invalid name for unix socket: %s. Must only contain alphanumeric characters or . : _ - /", socket)
	}
	return m.colocate(&Colocation{UnixSocket: socket, SocketPermissions: permissions}, a)
}

func (m *Model) colocate(c *Colocation, a ColocateArgs) error {
	if err := checkColocatedMPMD(m); err != nil {
		return err
	}
	for _, x := range a.Extra {
		if x.Key == "limit_app_cpus" {
			return Errorf(SSUnsupportedError, "Pinning app CPUs via limit_app_cpus is not supported. Modify RunSettings using the correct binding option for your launcher.")
		}
	}
	if err := checkColocatedObjects(m); err != nil {
		return err
	}
	if a.DBCPUs == 0 {
		a.DBCPUs = 1
	}
	if a.DBCPUs < 0 {
		return Errorf(ValueError, "db_cpus must be a positive number, not %d", a.DBCPUs)
	}
	pins, err := PinningString(a.Pinning, a.DBCPUs)
	if err != nil {
		return err
	}
	c.DBCPUs, c.Pinning, c.Debug, c.DBIdentifier, c.Extra = a.DBCPUs, pins, a.Debug, a.DBIdentifier, a.Extra
	colocations.Store(m, c)
	return nil
}

// checkColocatedObjects is SmartSim's refusal of in-memory ML models on a colocated model: they are
// handed to the colocated database as files.
func checkColocatedObjects(m *Model) error {
	for _, ml := range m.MLModels {
		if len(ml.Model) > 0 {
			return Errorf(SSUnsupportedError, "Colocated models can only use ML models given by model_path: %s is an in-memory model", ml.Name)
		}
	}
	return nil
}

// PinningString is SmartSim's custom_pinning rule: nil → "0,...,db_cpus-1"; empty → none; otherwise the
// CPUs de-duplicated, sorted as strings (SmartSim's quirk) and comma-joined; negatives are ValueError.
func PinningString(pins []int, dbCPUs int) (string, error) {
	if pins == nil {
		out := make([]string, dbCPUs)
		for i := range out {
			out[i] = strconv.Itoa(i)
		}
		return strings.Join(out, ","), nil
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range pins {
		if p < 0 {
			return "", Errorf(ValueError, "Invalid CPU id: %d. Must be a non-negative integer", p)
		}
		s := strconv.Itoa(p)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ","), nil
}

func (c *Colocation) address() string {
	if c.UnixSocket != "" {
		return "unix://" + c.UnixSocket
	}
	return "127.0.0.1:" + strconv.Itoa(c.Port)
}

// checkColocations refuses, before anything is launched, a colocated database whose identifier's
// variables would collide with a running database's (SSDBIDConflictError), in-memory ML models, and
// MPMD run settings (one wrapper cannot start a database for several programs).
func (e *Experiment) checkColocations(steps []step) error {
	for _, s := range steps {
		c := colocationOf(s.model)
		if c == nil {
			continue
		}
		if err := checkColocatedObjects(s.model); err != nil {
			return err
		}
		if err := checkColocatedMPMD(s.model); err != nil {
			return err
		}
		for _, o := range e.dbs().list() {
			if dbSuffix(o.Name) == dbSuffix(c.DBIdentifier) {
				return dbIDConflict(c.DBIdentifier)
			}
		}
	}
	return nil
}

func checkColocatedMPMD(m *Model) error {
	if m.RunSettings != nil && len(m.RunSettings.MPMD) > 0 {
		return Errorf(SSUnsupportedError, "Models colocated with databases cannot be run as a mpmd workload")
	}
	return nil
}

// ColocatedSubcommand is the ssrun subcommand that wraps a colocated model's program.
const ColocatedSubcommand = "colocated"

// colocatedCommand is the program part of a colocated model's step: `<ssrun> colocated <database
// options> <ML objects> -- <exe> <exe args>`. The wrapper runs on every node of the step, starts the
// node's database there, stores the objects, runs the program and exits with its code (see package
// colocated). Run command and run arguments go in front of it unchanged, so local, Slurm, PBS and LSF
// steps and batch scripts all take the same path. Script sources are written beside the step's output
// files, in statusDir, so that the wrapper reads them from the shared file system.
func (e *Experiment) colocatedCommand(m *Model, statusDir string) ([]string, error) {
	c := colocationOf(m)
	rs := m.RunSettings
	prog := append([]string{rs.Exe}, rs.ExeArgs...)
	if c == nil {
		return prog, nil
	}
	bin, err := e.ssrunBinary()
	if err != nil {
		return nil, err
	}
	argv := []string{bin, ColocatedSubcommand, "--name", m.Name + "_colocated_db"}
	if c.UnixSocket != "" {
		argv = append(argv, "--unix-socket", c.UnixSocket, "--socket-permissions", strconv.Itoa(c.SocketPermissions))
	} else {
		argv = append(argv, "--port", strconv.Itoa(c.Port))
		if c.IfName != "lo" {
			argv = append(argv, "--ifname", c.IfName)
		}
	}
	argv = append(argv, "--db-cpus", strconv.Itoa(c.DBCPUs))
	if c.Pinning != "" {
		argv = append(argv, "--pinning", c.Pinning)
	}
	if c.DBIdentifier != "" {
		argv = append(argv, "--db-identifier", c.DBIdentifier)
	}
	if c.Debug {
		argv = append(argv, "--db-log", filepath.Join(statusDir, m.Name+"_colocated_db-{node}.log"))
	}
	for _, a := range c.Extra {
		opt := a.Key
		if !a.IsNone {
			opt += "=" + a.Value
		}
		argv = append(argv, "--db-arg", opt)
	}
	objs, err := e.colocatedObjectArgs(m, statusDir)
	if err != nil {
		return nil, err
	}
	argv = append(argv, objs...)
	argv = append(argv, "--")
	return append(argv, prog...), nil
}

// colocatedObjectArgs are the --ml-model and --script flags of the model's objects, recorded in the
// plan as objects of its colocated database. Scripts given as source are written to files first.
func (e *Experiment) colocatedObjectArgs(m *Model, statusDir string) ([]string, error) {
	var argv []string
	dbName := m.Name + " (colocated)"
	for _, ml := range m.MLModels {
		if err := e.recordColocatedObject(dbName, dbObject{entity: m.Name, model: ml}); err != nil {
			return nil, err
		}
		argv = append(argv, "--ml-model", ColocatedModelSpec(ml))
	}
	for i, sc := range m.Scripts {
		obj := dbObject{entity: m.Name, script: sc}
		if err := e.recordColocatedObject(dbName, obj); err != nil {
			return nil, err
		}
		file := sc.ScriptPath
		if sc.Script != "" {
			file = colocatedScriptFile(statusDir, i, sc.Name)
			if err := e.opts.FS.MkdirAll(statusDir); err != nil {
				return nil, Errorf(SmartSimError, "Could not create directory %s: %w", statusDir, err)
			}
			if err := e.opts.FS.WriteFile(file, []byte(sc.Script), 0o644); err != nil {
				return nil, Errorf(SmartSimError, "Could not write the source of script %s of %s to %s: %w", sc.Name, m.Name, file, err)
			}
		}
		argv = append(argv, "--script", ColocatedScriptSpec(sc, file))
	}
	return argv, nil
}

// recordColocatedObject records an object in the plan with its content's hash, as storeObjects does
// for a standard database; the wrapper stores it.
func (e *Experiment) recordColocatedObject(dbName string, obj dbObject) error {
	blob, err := obj.content()
	if err != nil {
		return Errorf(FileNotFoundError, "Could not read %s %s: %w", obj.kind(), obj.name(), err)
	}
	sum := sha256.Sum256(blob)
	e.plan.recordDBObject(PlanDBObject{Database: dbName, Entity: obj.entity, Kind: obj.kind(), Name: obj.name(),
		Backend: backendOf(obj), Devices: devicesOf(obj), SHA256: hex.EncodeToString(sum[:])})
	return nil
}

// ssrunBinary is the ssrun the model's step runs, the one database shards run (engineExe): $SSRUN_BIN
// of the jobs' environment, else this process's own binary by absolute path (compute nodes share the
// file system with the driver). A dry run writes "ssrun" so plans are the same on every machine.
func (e *Experiment) ssrunBinary() (string, error) {
	return e.engineExe(EngineSsrun)
}

// colocatedDoc is the manifest's colocated_db of a model, as SmartSim's telemetry manifest writes it:
// {} without a colocated database, else its settings and the ML objects it is loaded with.
func colocatedDoc(m *Model) map[string]any {
	c := colocationOf(m)
	if c == nil {
		return map[string]any{}
	}
	rai, extra := map[string]any{}, map[string]any{}
	for _, a := range c.Extra {
		var v any
		if !a.IsNone {
			v = a.Value
		}
		switch a.Key {
		case "threads_per_queue", "inter_op_parallelism", "intra_op_parallelism":
			rai[a.Key] = v
		default:
			extra[a.Key] = v
		}
	}
	settings := map[string]any{"cpus": c.DBCPUs, "custom_pinning": c.Pinning, "debug": c.Debug,
		"db_identifier": c.DBIdentifier, "rai_args": rai, "extra_db_args": extra, "port": c.Port}
	if c.UnixSocket != "" {
		settings["unix_socket"], settings["socket_permissions"] = c.UnixSocket, c.SocketPermissions
	} else {
		settings["ifname"] = c.IfName
	}
	models, scripts := []any{}, []any{}
	for _, ml := range m.MLModels {
		models = append(models, map[string]any{ml.Name: map[string]any{"backend": ml.Backend, "device": ml.Devices[0]}})
	}
	for _, sc := range m.Scripts {
		scripts = append(scripts, map[string]any{sc.Name: map[string]any{"backend": "TORCH", "device": sc.Devices[0]}})
	}
	return map[string]any{"settings": settings, "models": models, "scripts": scripts}
}

// String describes the colocation for logs.
func (c *Colocation) String() string {
	return fmt.Sprintf("colocated database at %s (db_cpus=%d, pinning=%q)", c.address(), c.DBCPUs, c.Pinning)
}
