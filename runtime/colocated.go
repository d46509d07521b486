package runtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ssrun/ssrun/launchers"
)

// Colocation is a model's private database (colocate_db_tcp / colocate_db_uds): an `ssrun db` started
// beside the model on its node, reached through SSDB=127.0.0.1:<port> or unix://<socket>, loaded with
// the model's ML objects, and stopped when the model exits.
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

// argv is the colocated shard's command: `ssrun db` on loopback or on the socket only, with the extra
// options, pinned with taskset when it is available.
func (c *Colocation) argv(exe, name, taskset string) []string {
	var argv []string
	if taskset != "" && c.Pinning != "" {
		argv = append(argv, taskset, "-c", c.Pinning)
	}
	argv = append(argv, exe, "db", "--name", name)
	if c.UnixSocket != "" {
		argv = append(argv, "--port", "-1", "--unixsocket", c.UnixSocket)
	} else {
		argv = append(argv, "--port", strconv.Itoa(c.Port), "--bind", "127.0.0.1")
	}
	for _, a := range c.Extra {
		argv = append(argv, "--"+strings.ReplaceAll(a.Key, "_", "-"))
		if !a.IsNone {
			argv = append(argv, a.Value)
		}
	}
	return argv
}

// colocatedRunning tracks colocated databases not yet shut down, so that stop-everything can reach them.
var colocatedLive sync.Map // *dbShard → *Experiment

func (e *Experiment) colocatedRunning() []*dbShard {
	var out []*dbShard
	colocatedLive.Range(func(k, v any) bool {
		if v.(*Experiment) == e {
			out = append(out, k.(*dbShard))
		}
		return true
	})
	return out
}

// checkColocations refuses, before anything is launched, a colocated database whose identifier's
// variables would collide with a running database's (SSDBIDConflictError), and in-memory ML models.
func (e *Experiment) checkColocations(steps []step) error {
	for _, s := range steps {
		c := colocationOf(s.model)
		if c == nil {
			continue
		}
		if err := checkColocatedObjects(s.model); err != nil {
			return err
		}
		if e.LauncherName != "local" && !e.opts.DryRun { // a separate step could land on another node
			return Errorf(SSUnsupportedError, "Colocated databases are supported on the local launcher only, not %s", e.LauncherName)
		}
		for _, o := range e.dbs().list() {
			if dbSuffix(o.Name) == dbSuffix(c.DBIdentifier) {
				return dbIDConflict(c.DBIdentifier)
			}
		}
	}
	return nil
}

// startColocated starts the model's colocated database (if it has one) before the model, waits until
// it answers, and stores the model's ML objects in it. The returned function ties its life to the
// model's job: it is called with the model's handle (nil when the model failed to launch).
func (e *Experiment) startColocated(ctx context.Context, run *manifestRun, m *Model, statusDir string) (func(launchers.Handle), error) {
	c := colocationOf(m)
	if c == nil {
		return func(launchers.Handle) {}, nil
	}
	exe, err := e.engineExe(EngineSsrun)
	if err != nil {
		return nil, err
	}
	taskset := ""
	if !e.opts.DryRun {
		if p, err := e.opts.LookPath("taskset"); err == nil {
			taskset = p
		}
	} else if c.Pinning != "" {
		taskset = "taskset"
	}
	name := m.Name + "_colocated_db"
	// The shard's Go scheduler uses db_cpus cores, leaving the rest of the node to the model.
	env := make([]string, 0, len(e.opts.Environ)+1)
	for _, kv := range e.opts.Environ {
		if !strings.HasPrefix(kv, "GOMAXPROCS=") {
			env = append(env, kv)
		}
	}
	env = append(env, "GOMAXPROCS="+strconv.Itoa(c.DBCPUs))
	if c.UnixSocket != "" && !e.opts.DryRun {
		if err := os.MkdirAll(filepath.Dir(c.UnixSocket), 0o755); err != nil {
			return nil, Errorf(SmartSimError, "Could not create the directory of socket %s: %v", c.UnixSocket, err)
		}
	}
	lj := launchers.Job{Name: name + "-" + run.id, Argv: c.argv(exe, name, taskset), Env: env,
		EnvDelta: []string{"GOMAXPROCS=" + strconv.Itoa(c.DBCPUs)}, Dir: m.Path,
		Stdout: filepath.Join(statusDir, name+".out"), Stderr: filepath.Join(statusDir, name+".err")}
	s, err := e.launchShard(ctx, run, lj, m.Name)
	if err != nil {
		return nil, err
	}
	s.addr = c.address()
	if err := s.waitReady(ctx, true); err != nil {
		s.shutdown(5 * time.Second)
		return nil, Errorf(SmartSimError, "Colocated database of %s failed to start: %v", m.Name, err)
	}
	if c.UnixSocket != "" && !e.opts.DryRun {
		if perm, err := strconv.ParseUint(strconv.Itoa(c.SocketPermissions), 8, 32); err == nil {
			_ = os.Chmod(c.UnixSocket, os.FileMode(perm))
		}
	}
	colocatedLive.Store(s, e)
	objs := dbObjectsOfColocated(m)
	if err := e.storeObjects(ctx, m.Name+" (colocated)", []string{s.addr}, false, objs); err != nil {
		e.stopColocated(s)
		return nil, err
	}
	return func(h launchers.Handle) {
		if h == nil || s.dry {
			e.stopColocated(s)
			return
		}
		e.journal.bg.Add(1)
		go func() {
			defer e.journal.bg.Done()
			<-h.Done()
			e.stopColocated(s)
		}()
	}, nil
}

func (e *Experiment) stopColocated(s *dbShard) {
	s.shutdown(5 * time.Second)
	colocatedLive.Delete(s)
}

func dbObjectsOfColocated(m *Model) []dbObject {
	var out []dbObject
	for _, ml := range m.MLModels {
		out = append(out, dbObject{entity: m.Name, model: ml})
	}
	for _, sc := range m.Scripts {
		out = append(out, dbObject{entity: m.Name, script: sc})
	}
	return out
}

// String describes the colocation for logs.
func (c *Colocation) String() string {
	return fmt.Sprintf("colocated database at %s (db_cpus=%d, pinning=%q)", c.address(), c.DBCPUs, c.Pinning)
}
