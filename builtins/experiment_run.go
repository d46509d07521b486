package builtins

import (
	"time"

	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/runtime"
)

// This file adapts the experiment methods that drive entities: start, stop, poll, finished,
// get_status. Entities are given positionally (*entities), options by keyword.

// experimentStart is start(*entities, block=True, summary=False, kill_on_interrupt=True, resume=False).
// A blocking start returns when every job has ended, or fails with KeyboardInterrupt on SIGINT/SIGTERM;
// resume=True skips members that completed unchanged (ssrun --resume for one call).
func experimentStart(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	o := runtime.StartOptions{Block: true, KillOnInterrupt: true}
	if err := starlark.UnpackArgs(b.Name(), nil, kwargs, "block?", &o.Block, "summary?", &o.Summary,
		"kill_on_interrupt?", &o.KillOnInterrupt, "resume?", &o.Resume); err != nil {
		return nil, err
	}
	entities, err := entitiesOf(args)
	if err != nil {
		return nil, err
	}
	env, err := EnvOf(thread)
	if err != nil {
		return nil, err
	}
	return starlark.None, receiverExp(b).Start(env.context(), entities, o)
}

// experimentStop is stop(*entities).
func experimentStop(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), nil, kwargs); err != nil {
		return nil, err
	}
	entities, err := entitiesOf(args)
	if err != nil {
		return nil, err
	}
	return starlark.None, receiverExp(b).Stop(entities...) // databases included: SHUTDOWN per shard
}

// experimentPoll is poll(interval=10, verbose=True, kill_on_interrupt=True): it waits for every job
// (returning as soon as the last one ends) and logs their statuses every interval seconds.
func experimentPoll(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var interval starlark.Value = starlark.MakeInt(10)
	verbose, kill := true, true
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "interval?", &interval, "verbose?", &verbose,
		"kill_on_interrupt?", &kill); err != nil {
		return nil, err
	}
	seconds, ok := starlark.AsFloat(interval)
	if !ok || seconds <= 0 {
		return nil, typeErrorf("poll interval must be a positive number of seconds, not %s", interval.String())
	}
	env, err := EnvOf(thread)
	if err != nil {
		return nil, err
	}
	d := time.Duration(seconds * float64(time.Second))
	return starlark.None, receiverExp(b).Poll(env.context(), d, verbose, kill)
}

// experimentFinished is finished(entity).
func experimentFinished(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "entity", &v); err != nil {
		return nil, err
	}
	e, ok := v.(EntityValue)
	if _, isDB := v.(*Orchestrator); !ok || isDB {
		return nil, runtime.NotAnEntity(v.Type())
	}
	done, err := receiverExp(b).Finished(e.Entity())
	return starlark.Bool(done), err
}

// experimentGetStatus is get_status(*entities): a list of status strings in argument order.
func experimentGetStatus(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackArgs(b.Name(), nil, kwargs); err != nil {
		return nil, err
	}
	entities, err := entitiesOf(args)
	if err != nil {
		return nil, err
	}
	statuses, err := receiverExp(b).GetStatus(entities...) // a database contributes one per shard
	if err != nil {
		return nil, err
	}
	out := make([]string, len(statuses))
	for i, s := range statuses {
		out[i] = string(s)
	}
	return stringList(out), nil
}
