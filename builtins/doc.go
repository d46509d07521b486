// Package builtins holds ssrun's Starlark-facing values: thin adapters that unpack Starlark arguments
// into package runtime's types, call the runtime and wrap its results. They launch nothing and write no
// files themselves; a runtime error (*runtime.Error) becomes a Starlark error whose message reads
// "Class: SmartSim's text", e.g. "SSUnsupportedError: Permutation strategy given is not supported: x".
//
// The API mirrors SmartSim 0.7 (keyword names and defaults as SmartSim's):
//
//	Experiment(name, exp_path=None, launcher="local")                     -> experiment
//	  .name .exp_path .launcher
//	  .create_run_settings(exe, exe_args=None, run_command="auto", run_args=None, env_vars=None)
//	  .create_batch_settings(nodes=1, time="", queue="", account="", batch_args=None)
//	  .create_model(name, run_settings, params=None, path=None, enable_key_prefixing=False,
//	                batch_settings=None, params_as_args=None)
//	  .create_ensemble(name, params=None, batch_settings=None, run_settings=None, replicas=None,
//	                   perm_strategy="all_perm", path=None, params_as_args=None, n_models=0, seed=None)
//	  .generate(*entities, tag=None, overwrite=False, verbose=False, strict_tags=False)
//	  .start(*entities, block=True, summary=False, kill_on_interrupt=True)
//	  .stop(*entities)  .poll(interval=10, verbose=True, kill_on_interrupt=True)
//	  .finished(entity) -> bool  .get_status(*entities) -> [str]  .summary(style="github") -> str
//	  .preview(*entities, verbosity_level="info", output_format="plain_text")
//	  .reconnect_orchestrator(checkpoint) -> orchestrator: another driver's running database, from the
//	                smartsim_db.dat it wrote (db.checkpoint_file); left running at this driver's end
//	run_settings: .exe .exe_args .run_command .run_args .env_vars (exe_args, run_args, env_vars
//	  assignable); .add_exe_args(args) .set(arg, value=None, condition=True) .update_env(env_vars)
//	  .format_run_args() .format_env_vars()
//	batch_settings: .batch_cmd .batch_args .preamble; .format_batch_args() .add_preamble(lines)
//	  .set_nodes(n) .set_walltime(t) .set_queue(q) .set_account(a)
//	model: .name .path .params .params_as_args .incoming_entities .run_settings .batch_settings .type
//	ensemble: the model attributes that apply, plus .models .perm_strategy .attached_files_table,
//	  len(ens), iteration, ens["name"] (None if absent), "name" in ens, model in ens,
//	  .add_model(model) .print_attached_files()
//	model and ensemble: .attach_generator_files(to_copy=None, to_symlink=None, to_configure=None)
//	  .enable_key_prefixing() .query_key_prefixing() .register_incoming_entity(entity)
//	  .add_ml_model(name, backend, model=None, model_path=None, device="CPU", devices_per_node=1,
//	                first_device=0, batch_size=0, min_batch_size=0, min_batch_timeout=0, tag="",
//	                inputs=None, outputs=None)
//	  .add_script(name, script=None, script_path=None, device="CPU", devices_per_node=1, first_device=0)
//	  .add_function(name, function=None, device="CPU", devices_per_node=1, first_device=0): ships the
//	                source of a def function (the database runs Starlark scripts)
//	  model only: .disable_key_prefixing() .params_to_args()
//	status.NEW .RUNNING .PAUSED .COMPLETED .FAILED .CANCELLED .NEVER_STARTED ("New", ...)
//	get_logger(name).debug/info/warning/error(msg)
//	torch: a placeholder so database functions compile in the driver; its operations fail there.
//
// Values are handles onto runtime state the host owns (Freeze is a no-op): changing
// model.run_settings changes how the model runs, as in SmartSim. The host passes per-run context
// through Env (SetEnv/EnvOf); AssertSupport is given to stdlib modules only.
package builtins
