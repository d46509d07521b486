package builtins

import (
	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/runtime"
)

// Experiment is the Starlark handle of a runtime.Experiment (type "experiment"), made by the predeclared
// Experiment(name, exp_path=None, launcher="local"). Its methods create entities and drive them; each is
// a thin adapter that unpacks arguments and calls the runtime.
type Experiment struct {
	exp *runtime.Experiment
}

var _ starlark.HasAttrs = (*Experiment)(nil)

// NewExperiment is the predeclared Experiment constructor.
var NewExperiment = starlark.NewBuiltin("Experiment", newExperiment)

// experimentMethods is the experiment's method table. The create_* adapters are in this file (but
// create_database and reconnect_orchestrator, in orchestrator.go), the others in experiment_generate.go, experiment_run.go and
// experiment_report.go.
var experimentMethods = map[string]*starlark.Builtin{
	"create_database":        starlark.NewBuiltin("create_database", experimentCreateDatabase),
	"reconnect_orchestrator": starlark.NewBuiltin("reconnect_orchestrator", experimentReconnectOrchestrator),
	"create_run_settings":    starlark.NewBuiltin("create_run_settings", experimentCreateRunSettings),
	"create_batch_settings":  starlark.NewBuiltin("create_batch_settings", experimentCreateBatchSettings),
	"create_model":           starlark.NewBuiltin("create_model", experimentCreateModel),
	"create_ensemble":        starlark.NewBuiltin("create_ensemble", experimentCreateEnsemble),
	"generate":               starlark.NewBuiltin("generate", experimentGenerate),
	"preview":                starlark.NewBuiltin("preview", experimentPreview),
	"start":                  starlark.NewBuiltin("start", experimentStart),
	"stop":                   starlark.NewBuiltin("stop", experimentStop),
	"poll":                   starlark.NewBuiltin("poll", experimentPoll),
	"finished":               starlark.NewBuiltin("finished", experimentFinished),
	"get_status":             starlark.NewBuiltin("get_status", experimentGetStatus),
	"summary":                starlark.NewBuiltin("summary", experimentSummary),
}

var experimentFields = []string{"exp_path", "launcher", "name", "telemetry"}

func newExperiment(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name, expPath starlark.Value
	launcher := "local"
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "exp_path?", &expPath, "launcher?", &launcher); err != nil {
		return nil, err
	}
	nameStr, ok := name.(starlark.String)
	if !ok {
		return nil, typeErrorf("Experiment name must be of type str, not %s", name.Type())
	}
	path := ""
	if !isNone(expPath) {
		s, ok := expPath.(starlark.String)
		if !ok {
			return nil, typeErrorf("exp_path argument was not of type str")
		}
		path = string(s)
	}
	env, err := EnvOf(thread)
	if err != nil {
		return nil, err
	}
	exp, err := env.newExperiment(string(nameStr), path, launcher)
	if err != nil {
		return nil, err
	}
	return &Experiment{exp: exp}, nil
}

func (x *Experiment) String() string {
	return "<experiment " + starlark.String(x.exp.Name).String() + ">"
}
func (x *Experiment) Type() string { return "experiment" }

// Freeze is a no-op: the value is a handle onto host state, which the host, not Starlark, owns.
func (x *Experiment) Freeze()              {}
func (x *Experiment) Truth() starlark.Bool { return starlark.True }
func (x *Experiment) Hash() (uint32, error) {
	return 0, typeErrorf("unhashable type: experiment")
}

// Attr returns a field or a bound method.
func (x *Experiment) Attr(name string) (starlark.Value, error) {
	switch name {
	case "name":
		return starlark.String(x.exp.Name), nil
	case "exp_path":
		return starlark.String(x.exp.Path), nil
	case "launcher":
		return starlark.String(x.exp.LauncherName), nil
	case "telemetry":
		return &Telemetry{&x.exp.Telemetry}, nil
	}
	return bindMethod(x, name, experimentMethods)
}

// AttrNames lists fields and methods for dir().
func (x *Experiment) AttrNames() []string { return attrNames(experimentMethods, experimentFields...) }

func receiverExp(b *starlark.Builtin) *runtime.Experiment { return b.Receiver().(*Experiment).exp }

// experimentCreateRunSettings is create_run_settings(exe, exe_args=None, run_command="auto",
// run_args=None, env_vars=None).
func experimentCreateRunSettings(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var exe string
	var exeArgs, runArgs, envVars starlark.Value
	var runCommand starlark.Value = starlark.String("auto")
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "exe", &exe, "exe_args?", &exeArgs,
		"run_command?", &runCommand, "run_args?", &runArgs, "env_vars?", &envVars); err != nil {
		return nil, err
	}
	a := runtime.RunSettingsArgs{Exe: exe, NoRunCommand: isNone(runCommand)}
	var err error
	if !a.NoRunCommand {
		rc, ok := starlark.AsString(runCommand)
		if !ok {
			return nil, typeErrorf("create_run_settings: for parameter \"run_command\": got %s, want string or None", runCommand.Type())
		}
		a.RunCommand = rc
	}
	if a.ExeArgs, err = exeArgsOf(exeArgs); err != nil {
		return nil, err
	}
	if a.RunArgs, err = argsOf("run_args", runArgs); err != nil {
		return nil, err
	}
	if a.EnvVars, err = argsOf("env_vars", envVars); err != nil {
		return nil, err
	}
	rs, err := receiverExp(b).CreateRunSettings(a)
	if err != nil {
		return nil, err
	}
	return NewRunSettingsValue(rs), nil
}

// experimentCreateBatchSettings is create_batch_settings(nodes=1, time="", queue="", account="",
// batch_args=None).
func experimentCreateBatchSettings(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a := runtime.BatchSettingsArgs{Nodes: 1}
	var batchArgs starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "nodes?", &a.Nodes, "time?", &a.Time,
		"queue?", &a.Queue, "account?", &a.Account, "batch_args?", &batchArgs); err != nil {
		return nil, err
	}
	var err error
	if a.BatchArgs, err = argsOf("batch_args", batchArgs); err != nil {
		return nil, err
	}
	bs, err := receiverExp(b).CreateBatchSettings(a)
	if err != nil {
		return nil, err
	}
	return NewBatchSettingsValue(bs), nil
}

// experimentCreateModel is create_model(name, run_settings, params=None, path=None,
// enable_key_prefixing=False, batch_settings=None, params_as_args=None).
func experimentCreateModel(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name, runSettings, params, path, batchSettings, paramsAsArgs starlark.Value
	a := runtime.ModelArgs{}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "run_settings", &runSettings,
		"params?", &params, "path?", &path, "enable_key_prefixing?", &a.EnableKeyPrefixing,
		"batch_settings?", &batchSettings, "params_as_args?", &paramsAsArgs); err != nil {
		return nil, err
	}
	var err error
	if a.Name, err = entityNameOf(name); err != nil {
		return nil, err
	}
	if a.RunSettings, err = runSettingsOf(runSettings); err != nil {
		return nil, err
	}
	if a.BatchSettings, err = batchSettingsOf(batchSettings); err != nil {
		return nil, err
	}
	if a.Params, err = paramSpecsOf(params); err != nil {
		return nil, err
	}
	if a.Path, err = optionalString("path", path); err != nil {
		return nil, err
	}
	if a.ParamsAsArgs, err = paramsAsArgsOf(paramsAsArgs); err != nil {
		return nil, err
	}
	m, err := receiverExp(b).CreateModel(a)
	if err != nil {
		return nil, err
	}
	return NewModelValue(m), nil
}

// experimentCreateEnsemble is create_ensemble(name, params=None, batch_settings=None, run_settings=None,
// replicas=None, perm_strategy="all_perm", path=None, params_as_args=None, n_models=0, seed=None);
// perm_strategy is a strategy name or a Starlark callable.
func experimentCreateEnsemble(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name, params, batchSettings, runSettings, replicas, path, paramsAsArgs, seed starlark.Value
	var strategy starlark.Value = starlark.String("all_perm")
	a := runtime.EnsembleArgs{}
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name, "params?", &params,
		"batch_settings?", &batchSettings, "run_settings?", &runSettings, "replicas?", &replicas,
		"perm_strategy?", &strategy, "path?", &path, "params_as_args?", &paramsAsArgs,
		"n_models?", &a.NModels, "seed?", &seed); err != nil {
		return nil, err
	}
	var err error
	if a.Name, err = entityNameOf(name); err != nil {
		return nil, err
	}
	if a.Params, err = paramSpecsOf(params); err != nil {
		return nil, err
	}
	if a.BatchSettings, err = batchSettingsOf(batchSettings); err != nil {
		return nil, err
	}
	if a.RunSettings, err = runSettingsOf(runSettings); err != nil {
		return nil, err
	}
	if a.Replicas, err = optionalInt("replicas", replicas); err != nil {
		return nil, err
	}
	if a.Path, err = optionalString("path", path); err != nil {
		return nil, err
	}
	if a.ParamsAsArgs, err = paramsAsArgsOf(paramsAsArgs); err != nil {
		return nil, err
	}
	if a.Seed, err = optionalSeed(seed); err != nil {
		return nil, err
	}
	if a.Strategy, err = strategyOf(thread, strategy); err != nil {
		return nil, err
	}
	ens, err := receiverExp(b).CreateEnsemble(a)
	if err != nil {
		return nil, err
	}
	return NewEnsembleValue(ens), nil
}
