package runtime

import "sync"

// dbRegistry is the experiment's list of running databases, in launch order: it decides the client
// variables of every model launched (SSDB, SR_DB_TYPE) and where ML objects are stored.
type dbRegistry struct {
	mu      sync.Mutex
	running []*Orchestrator
}

// registries maps *Experiment to its *dbRegistry. The experiment type is shared by several engineers'
// files; keeping the database state beside it keeps the database feature in its own files.
var registries sync.Map

func (e *Experiment) dbs() *dbRegistry {
	r, _ := registries.LoadOrStore(e, &dbRegistry{})
	return r.(*dbRegistry)
}

func (r *dbRegistry) add(o *Orchestrator) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running = append(r.running, o)
}

func (r *dbRegistry) remove(o *Orchestrator) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, x := range r.running {
		if x == o {
			r.running = append(r.running[:i], r.running[i+1:]...)
			return
		}
	}
}

func (r *dbRegistry) list() []*Orchestrator {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Orchestrator(nil), r.running...)
}

// dbSuffix is the client-variable suffix of a database identifier: none for SmartSim's default
// "orchestrator" (and for a colocated database without identifier), "_<id>" otherwise.
func dbSuffix(id string) string {
	if id == "" || id == DefaultDBIdentifier {
		return ""
	}
	return "_" + id
}

// databaseStatus is the launch summary's "Database Status": active while a database runs.
func (e *Experiment) databaseStatus() string {
	if len(e.dbs().list()) > 0 {
		return "active"
	}
	return "inactive"
}
