package builtins_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/builtins"
	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/launchers/dryrun"
	"github.com/ssrun/ssrun/runtime"
)

// dryRun runs src in dry run in a fresh directory and returns the experiment's plan as JSON (when the
// script made one) and the script's error (nil on success).
func dryRun(t *testing.T, src string) (string, error) {
	t.Helper()
	_, plan, err := dryRunGlobals(t, src)
	return plan, err
}

// dryRunGlobals is dryRun that also returns the script's globals.
func dryRunGlobals(t *testing.T, src string) (starlark.StringDict, string, error) {
	t.Helper()
	dir := t.TempDir()
	name := filepath.Join(dir, "script.star")
	os.WriteFile(name, []byte(src), 0o644)
	os.WriteFile(filepath.Join(dir, "cnn.pt"), []byte("torch model bytes"), 0o644)
	env := &builtins.Env{Ctx: context.Background(), DryRun: true, Dir: dir, FileOptions: fileOptions,
		NewLauncher: func(string) launchers.Launcher { return dryrun.New() },
		Source:      func(string) ([]byte, error) { return []byte(src), nil }}
	thread := &starlark.Thread{Name: t.Name()}
	builtins.SetEnv(thread, env)
	globals, err := starlark.ExecFileOptions(fileOptions, thread, name, src, starlark.StringDict{"Experiment": builtins.NewExperiment})
	if cerr := env.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	var plan strings.Builder
	if werr := env.WritePlan(&plan, "json"); werr != nil {
		t.Fatal(werr)
	}
	return globals, plan.String(), err
}

func TestCreateDatabaseErrorsAsSmartSim(t *testing.T) {
	for _, c := range []struct{ call, want string }{
		{`exp.create_database(db_nodes=2)`, "SSUnsupportedError: Orchestrator does not support clusters of size 2"},
		{`exp.create_database(batch=True)`, "SmartSimError: Local orchestrator can not be launched with batch=True"},
		{`exp.create_database(run_command="srun")`, "SmartSimError: Run command srun is not supported on launcher local"},
		{`exp.create_database(hosts=3)`, "TypeError: hosts must be a str or a list of str, not int"},
		{`exp.finished(exp.create_database())`, "TypeError: Entity has type orchestrator"},
		{`exp.stop(exp.create_database())`, "KeyError: 'orchestrator'"},
		{`exp.create_database().set_max_memory("1gb")`, "SmartSimError: The SmartSim Orchestrator must be active"},
		{`exp.start(exp.create_database(port=7000), exp.create_database(port=7100))`, "SmartSimError: User provided two entities with the same name"},
		{`exp.start(exp.create_database(port=7000)); exp.start(exp.create_database(port=7100))`,
			"SSDBIDConflictError: Database identifier orchestrator has already been used. Pass in a unique name for db_identifier"},
		{`m = exp.create_model("m", exp.create_run_settings(exe="echo")); m.add_script("s", script="def f(x):\n    return x\n"); exp.start(m)`,
			"SmartSimError: m carries ML models or scripts (s) but no database is running"},
		{`m = exp.create_model("m", exp.create_run_settings(exe="echo")); m.colocate_db_uds(unix_socket="/tmp/a b")`,
			"ValueError: Invalid name for unix socket: /tmp/a b"},
		{`m = exp.create_model("m", exp.create_run_settings(exe="echo")); m.add_ml_model("cnn", "TORCH", model=b"x"); m.colocate_db_tcp()`,
			"SSUnsupportedError: Colocated models can only use ML models given by model_path"},
		{`ens = exp.create_ensemble("e", run_settings=exp.create_run_settings(exe="echo"), replicas=2); ens.add_ml_model("cnn", "TORCH", model_path="cnn.pt"); ens.add_ml_model("cnn", "TORCH", model_path="cnn.pt")`,
			`SSUnsupportedError: An ML Model with name "cnn" already exists`},
		{`exp.create_model("m", exp.create_run_settings(exe="echo")).add_ml_model("cnn", "TORCH", model_path="cnn.pt", devices_per_node=2)`,
			"SSUnsupportedError: Cannot set devices_per_node>1 if CPU is specified under devices"},
	} {
		_, err := dryRun(t, "exp = Experiment(\"e\")\n"+c.call+"\n")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.call, err, c.want)
		}
	}
}

const clusterScript = `
exp = Experiment("e")
db = exp.create_database(port=7000, db_nodes=3)
exp.generate(db)
exp.start(db)
ens = exp.create_ensemble("ens", run_settings=exp.create_run_settings(exe="echo"), replicas=2)
ens.add_ml_model("cnn", "torch", model_path="cnn.pt", device="GPU", devices_per_node=2)
ens.add_script("prep", script="def prep(x):\n    return x\n")
colo = exp.create_model("colo", exp.create_run_settings(exe="echo"))
colo.colocate_db_tcp(port=7200, db_cpus=3, custom_pinning=[range(2), 3], db_identifier="c")
exp.start(ens, colo)
statuses = exp.get_status(db)
address = db.get_address()
hosts = db.hosts
shards = db.num_shards
exp.stop(db)
stopped = exp.get_status(db)
`

// TestDryRunPlanOfDatabases: the plan shows the shard commands with their slot map, the cluster, the
// ML objects with their hash, the members' and the colocated model's client variables, byte-stable.
func TestDryRunPlanOfDatabases(t *testing.T) {
	plan, err := dryRun(t, clusterScript)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"ssrun",
        "db",
        "--name",
        "orchestrator_0",
        "--port",
        "7000",
        "--bind",
        "127.0.0.1",
        "--cluster-slots",
        "0-5460",`,
		`"slots": "10922-16383"`,
		`"cluster": "static slot map given to every shard on its command line"`,
		`"SSDB=127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002"`, `"SR_DB_TYPE=Clustered"`, `"SSKEYOUT=ens_0"`,
		`"SSDB_c=127.0.0.1:7200"`, `"SR_DB_TYPE_c=Standalone"`,
		`"colocated",
        "--name",
        "colo_colocated_db",
        "--port",
        "7200",
        "--db-cpus",
        "3",
        "--pinning",
        "0,1,3",
        "--db-identifier",
        "c",
        "--",
        "$PATH/echo"`,
		`"kind": "model",
      "name": "cnn",
      "sha256": "`,
		`"GPU:0",
        "GPU:1"`,
		`"stopped": true`,
		`"type": "DBNode"`,
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %s", want)
		}
	}
	if t.Failed() {
		t.Log(plan)
	}
	if again, _ := dryRun(t, clusterScript); again != plan {
		t.Fatal("the plan is not byte-stable")
	}
}

func TestOrchestratorAttributes(t *testing.T) {
	g, _, err := dryRunGlobals(t, clusterScript)
	if err != nil {
		t.Fatal(err)
	}
	get := func(name string) string { return g[name].String() }
	if get("statuses") != `["Running", "Running", "Running"]` || get("stopped") != `["Cancelled", "Cancelled", "Cancelled"]` {
		t.Errorf("statuses %s then %s", get("statuses"), get("stopped"))
	}
	if get("address") != `["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"]` || get("hosts") != `["127.0.0.1"]` || get("shards") != "3" {
		t.Errorf("address %s hosts %s shards %s", get("address"), get("hosts"), get("shards"))
	}
	db := g["db"].(*builtins.Orchestrator).Entity().(*runtime.Orchestrator)
	if db.Name != "orchestrator" || db.Engine != "ssrun" || db.EntityType() != "Orchestrator" {
		t.Errorf("database %+v", db)
	}
}
