// Package runtime is ssrun's domain: SmartSim 0.7's experiment model without any Starlark. The
// builtins package (H5) wraps these types as thin adapters: it unpacks Starlark arguments into the Go
// arguments below, calls the method, wraps the result, and turns a returned *Error into a Starlark
// error whose message is err.Error() ("Class: SmartSim's text").
//
// # Experiment
//
//	exp, err := runtime.NewExperiment(name, expPath, launcher, runtime.Options{
//	    Cwd: scriptDir, Launcher: local.New(...) or dryrun.New(), AutoLauncher: flagLauncher,
//	    Seed: flagSeed, DryRun: flagDryRun, Log: logger})
//	defer exp.Close()                     // stops local jobs still running (script end, SIGINT); batch jobs stay queued
//
// Methods (Starlark name → Go):
//
//	create_run_settings   exp.CreateRunSettings(RunSettingsArgs{Exe, ExeArgs, RunCommand, RunArgs, EnvVars})
//	create_batch_settings exp.CreateBatchSettings(BatchSettingsArgs{Nodes, Time, Queue, Account, BatchArgs})
//	create_model          exp.CreateModel(ModelArgs{Name, RunSettings, Params, Path, EnableKeyPrefixing, BatchSettings})
//	create_ensemble       exp.CreateEnsemble(EnsembleArgs{Name, Params, ParamsAsArgs, RunSettings, BatchSettings,
//	                                          Replicas, Strategy, NModels, Seed, Path})
//	generate              exp.Generate(entities, GenerateOptions{Tag, Overwrite, StrictTags, Verbose})
//	start                 exp.Start(ctx, entities, StartOptions{Block, Summary, KillOnInterrupt})
//	stop                  exp.Stop(entities...)
//	poll                  exp.Poll(ctx, interval, verbose, killOnInterrupt)
//	finished              exp.Finished(entity)
//	get_status            exp.GetStatus(entities...) → []launchers.Status (argument order)
//	summary               exp.Summary(style) (github, plain, markdown, json) / exp.SummaryRows()
//	preview               exp.Preview(entities...)
//	(plan, --dry-run)     exp.Plan().JSON() / exp.Plan().Text()
//
// Entities are *Model and *Ensemble (both implement Entity). A non-entity argument is the adapter's
// TypeError: return runtime.NotAnEntity(typeName).
//
// # Converting Starlark values
//
// Parameter values: string → Str(s) / Scalar(KindString, s); int → Scalar(KindInt, v.String()); float →
// Scalar(KindFloat, starlark str()); bool → Scalar(KindBool, "True"/"False"); list/tuple → List(str() of
// each element); anything else → ParamValue{Kind: KindOther, TypeName: v.Type()} (validation here gives
// SmartSim's TypeError). A params dict becomes []ParamSpec in the dict's key order.
//
// Settings with None values (run_args, env_vars, batch_args) are []Arg in dict order; IsNone marks None.
// exe_args: a string → SplitArgs(s); a list of strings → as is (non-strings: the adapter's TypeError
// "Executable arguments should be a list of str").
//
// perm_strategy: a string → Strategy{Name: s}; a callable → Strategy{Name: fn.Name(), User: func(names,
// values, nModels) ([]Params, error)} that calls the callable with (list of names, list of lists of
// strings, n_models) and converts the returned list of dicts into []Params in each dict's key order; if
// the return is not a list of dicts, return UserStrategyErr(fn.Name()).
//
// Model / Ensemble methods: AttachGeneratorFiles(toCopy, toSymlink, toConfigure) (str → one-element
// list), EnableKeyPrefixing, DisableKeyPrefixing (Model), QueryKeyPrefixing, RegisterIncomingEntity,
// AddModel (Ensemble), Models/Len/Member (Ensemble iteration, len, indexing), AttachedFilesTable
// (print_attached_files), ParamsToArgs (Model), AddMLModel(NewMLModel(exp.Cwd(), MLModelArgs{...})),
// AddScript(NewScript(exp.Cwd(), ScriptArgs{...})) for add_script and add_function (Function = the
// function's source). RunSettings: AddExeArgs / AddExeArgsString, Set(arg, value, isNone, condition),
// UpdateEnv, FormatRunArgs (srun, MPI or literal style by run command), FormatEnvVars, SetTime, fields
// Exe, ExeArgs, RunCommand, RunArgs, EnvVars. BatchSettings: FormatBatchArgs, AddPreamble.
//
// # Experiment directory
//
// exp_path/<model>, exp_path/<ens>/<ens>_<i>, exp_path/smartsim_params.txt, and per start a run id
// run-NNN (a counter continuing after the run ids already in the directory) with output files under
// exp_path/.smartsim/telemetry/<exp>/<run>/{model/<name>|ensemble/<ens>/<member>}/<name>.out|.err and
// <path>/<name>.out|.err symlinks to the latest run. The journal .smartsim/telemetry/manifest.json keeps
// earlier invocations' runs and adds each job's status, return code and job id.
//
// # Side effects
//
// Processes go through the injected launchers.Launcher; file writes of generation through Options.FS
// (OSFS, or DryFS in dry run: nothing is written, decisions are the same). Every file operation and
// launch is recorded in the Plan with portable paths ($EXP, $CWD). Real runs journal
// exp_path/.smartsim/telemetry/manifest.json atomically after every start and status change.
package runtime
