package builtins

import (
	"go.starlark.net/starlark"

	"github.com/ssrun/ssrun/runtime"
)

// This file adapts generate and preview.

// experimentGenerate is generate(*entities, tag=None, overwrite=False, verbose=False, strict_tags=False).
func experimentGenerate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var tag starlark.Value
	o := runtime.GenerateOptions{}
	if err := starlark.UnpackArgs(b.Name(), nil, kwargs, "tag?", &tag, "overwrite?", &o.Overwrite,
		"verbose?", &o.Verbose, "strict_tags?", &o.StrictTags); err != nil {
		return nil, err
	}
	var err error
	if o.Tag, err = optionalString("tag", tag); err != nil {
		return nil, err
	}
	entities, err := entitiesOf(args)
	if err != nil {
		return nil, err
	}
	exp := receiverExp(b)
	dbs, rest := splitDatabases(entities)
	if err := exp.Generate(rest, o); err != nil {
		return nil, err
	}
	for _, db := range dbs { // SmartSim always wipes and recreates a database's directory
		if err := exp.GenerateDatabase(db); err != nil {
			return nil, err
		}
	}
	return starlark.None, nil
}

// previewLevels are SmartSim's preview verbosity levels; ssrun renders the same text for each.
var previewLevels = map[string]bool{"info": true, "debug": true, "developer": true}

// experimentPreview is preview(*entities, verbosity_level="info", output_format="plain_text"): it logs
// SmartSim's plain-text overview of the experiment and the entities. Writing it to a file
// (output_filename) is not offered: builtins write no files; redirect the log instead.
func experimentPreview(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	level, format := "info", "plain_text"
	if err := starlark.UnpackArgs(b.Name(), nil, kwargs, "verbosity_level?", &level, "output_format?", &format); err != nil {
		return nil, err
	}
	if !previewLevels[level] {
		return nil, runtime.Errorf(runtime.ValueError, "Verbosity level %s is not supported; use info, debug or developer", level)
	}
	if format != "plain_text" {
		return nil, runtime.Errorf(runtime.ValueError, "The only valid output format currently available is plain_text")
	}
	entities, err := entitiesOf(args)
	if err != nil {
		return nil, err
	}
	env, err := EnvOf(thread)
	if err != nil {
		return nil, err
	}
	env.logger().Info(receiverExp(b).Preview(entities...))
	return starlark.None, nil
}
