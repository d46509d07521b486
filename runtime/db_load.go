package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/ssrun/ssrun/client"
)

// dbObject is one ML model, script or function to store, with the entity that carries it.
type dbObject struct {
	entity string
	model  *MLModel
	script *Script
}

func (d dbObject) name() string {
	if d.model != nil {
		return d.model.Name
	}
	return d.script.Name
}

func (d dbObject) kind() string {
	switch {
	case d.model != nil:
		return "model"
	case d.script.IsFunction:
		return "function"
	}
	return "script"
}

// content is the blob to store: the in-memory model (which wins over model_path, as SmartSim), the
// file's bytes, or the script's source.
func (d dbObject) content() ([]byte, error) {
	if d.model != nil {
		if len(d.model.Model) > 0 {
			return d.model.Model, nil
		}
		return os.ReadFile(d.model.ModelPath)
	}
	if d.script.Script != "" {
		return []byte(d.script.Script), nil
	}
	return os.ReadFile(d.script.ScriptPath)
}

// dbObjectsOf lists the ML objects the launched models carry (colocated models load their own), each
// object once even when every ensemble member shares it.
func dbObjectsOf(steps []step) []dbObject {
	seenModel, seenScript := map[*MLModel]bool{}, map[*Script]bool{}
	var out []dbObject
	for _, s := range steps {
		if colocationOf(s.model) != nil {
			continue
		}
		owner := s.model.Name
		if s.ensemble != nil {
			owner = s.ensemble.Name
		}
		for _, m := range s.model.MLModels {
			if !seenModel[m] {
				seenModel[m] = true
				out = append(out, dbObject{entity: owner, model: m})
			}
		}
		for _, sc := range s.model.Scripts {
			if !seenScript[sc] {
				seenScript[sc] = true
				out = append(out, dbObject{entity: owner, script: sc})
			}
		}
	}
	return out
}

// checkDBObjects refuses, before anything launches, models carrying ML objects when no database runs
// or is started by the same start() call (there would be nowhere to store them), or when one of the
// databases is a redis-server, which cannot store them.
func (e *Experiment) checkDBObjects(entities []Entity, steps []step) error {
	objs := dbObjectsOf(steps)
	if len(objs) == 0 {
		return nil
	}
	dbs := e.dbs().list()
	for _, ent := range entities {
		if o, ok := ent.(*Orchestrator); ok {
			dbs = append(dbs, o)
		}
	}
	for _, o := range dbs {
		if o.Engine == EngineRedis {
			return Errorf(SSUnsupportedError, "Database %s runs redis-server, which has no AI.* commands to store the ML models and scripts of %s: use engine=\"ssrun\"", o.Name, objs[0].entity)
		}
	}
	if len(dbs) > 0 {
		return nil
	}
	return Errorf(SmartSimError, "%s carries ML models or scripts (%s) but no database is running to store them in: start one created with exp.create_database() first, or colocate one with colocate_db_tcp/colocate_db_uds",
		objs[0].entity, objs[0].name())
}

// loadDBObjects stores the ML objects of the models about to launch into every running database
// (SmartSim loads them through SmartRedis from the driver; here through package client, which keeps
// SmartRedis's key layout: one copy per shard in a cluster, name.GPU:i for several GPUs).
func (e *Experiment) loadDBObjects(ctx context.Context, steps []step) error {
	objs := dbObjectsOf(steps)
	if len(objs) == 0 {
		return nil
	}
	for _, o := range e.dbs().list() {
		o.mu.Lock()
		addrs := o.addressesLocked()
		o.mu.Unlock()
		if err := e.storeObjects(ctx, o.Name, addrs, len(addrs) > 1, objs); err != nil {
			return err
		}
	}
	return nil
}

// storeObjects stores objs into one database and records them in the plan (a dry run only records).
func (e *Experiment) storeObjects(ctx context.Context, dbName string, addrs []string, cluster bool, objs []dbObject) error {
	if len(objs) == 0 {
		return nil
	}
	var c *client.Client
	if !e.opts.DryRun {
		var err error
		c, err = client.New(client.Options{Addrs: addrs, Cluster: cluster})
		if err != nil {
			return Errorf(SmartSimError, "Could not connect to database %s to store ML objects: %w", dbName, err)
		}
		defer c.Close()
	}
	for _, obj := range objs {
		blob, err := obj.content()
		if err != nil {
			return Errorf(FileNotFoundError, "Could not read %s %s: %w", obj.kind(), obj.name(), err)
		}
		sum := sha256.Sum256(blob)
		e.plan.recordDBObject(PlanDBObject{Database: dbName, Entity: obj.entity, Kind: obj.kind(), Name: obj.name(),
			Backend: backendOf(obj), Devices: devicesOf(obj), SHA256: hex.EncodeToString(sum[:])})
		if c == nil {
			continue
		}
		if err := storeObject(ctx, c, obj, blob); err != nil {
			return Errorf(SmartSimError, "Could not store %s %s of %s in database %s: %w", obj.kind(), obj.name(), obj.entity, dbName, err)
		}
		e.opts.Log.Debug(fmt.Sprintf("stored %s %s in database %s", obj.kind(), obj.name(), dbName))
	}
	return nil
}

func backendOf(obj dbObject) string {
	if obj.model != nil {
		return obj.model.Backend
	}
	return ""
}

func devicesOf(obj dbObject) []string {
	if obj.model != nil {
		return obj.model.Devices
	}
	return obj.script.Devices
}

// storeObject stores one object with its device placement. Several GPUs store name.GPU:i per GPU and
// then name on device GPU, SmartRedis's multi-GPU layout.
func storeObject(ctx context.Context, c *client.Client, obj dbObject, blob []byte) error {
	if m := obj.model; m != nil {
		opts := client.ModelOptions{Tag: m.Tag, BatchSize: m.BatchSize, MinBatchSize: m.MinBatchSize,
			MinBatchTimeout: m.MinBatchTimeout, Inputs: m.Inputs, Outputs: m.Outputs}
		if len(m.Devices) > 1 {
			return c.SetModelMultiGPU(ctx, m.Name, blob, m.Backend, m.DeviceOptions.FirstDevice, len(m.Devices), opts)
		}
		return c.SetModel(ctx, m.Name, blob, m.Backend, m.Devices[0], opts)
	}
	s := obj.script
	if len(s.Devices) > 1 {
		for _, dev := range s.Devices {
			if err := c.SetScript(ctx, s.Name+"."+dev, dev, string(blob)); err != nil {
				return err
			}
		}
		return c.SetScript(ctx, s.Name, strings.SplitN(s.Devices[0], ":", 2)[0], string(blob))
	}
	return c.SetScript(ctx, s.Name, s.Devices[0], string(blob))
}
