package builtins

import (
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/ssrun/ssrun/runtime"
)

// This file shows a model's ML objects as SmartSim's Model.db_models and Model.db_scripts list them:
// read-only structs with DBModel's and DBScript's attribute names (file and func are None when not
// given), so driver scripts that inspect what they attached port unchanged.

func dbModelValue(ml *runtime.MLModel) starlark.Value {
	var blob starlark.Value = starlark.None
	if ml.Model != nil {
		blob = starlark.Bytes(ml.Model)
	}
	return starlarkstruct.FromStringDict(starlark.String("DBModel"), starlark.StringDict{
		"name":              starlark.String(ml.Name),
		"backend":           starlark.String(ml.Backend),
		"model":             blob,
		"file":              noneIfEmpty(ml.ModelPath),
		"device":            starlark.String(ml.DeviceOptions.Device),
		"devices":           stringList(ml.Devices),
		"devices_per_node":  starlark.MakeInt(ml.DeviceOptions.DevicesPerNode),
		"first_device":      starlark.MakeInt(ml.DeviceOptions.FirstDevice),
		"batch_size":        starlark.MakeInt(ml.BatchSize),
		"min_batch_size":    starlark.MakeInt(ml.MinBatchSize),
		"min_batch_timeout": starlark.MakeInt(ml.MinBatchTimeout),
		"tag":               starlark.String(ml.Tag),
		"inputs":            stringList(ml.Inputs),
		"outputs":           stringList(ml.Outputs),
	})
}

func dbScriptValue(s *runtime.Script) starlark.Value {
	return starlarkstruct.FromStringDict(starlark.String("DBScript"), starlark.StringDict{
		"name":             starlark.String(s.Name),
		"func":             noneIfEmpty(s.Script),
		"file":             noneIfEmpty(s.ScriptPath),
		"is_function":      starlark.Bool(s.IsFunction),
		"device":           starlark.String(s.DeviceOptions.Device),
		"devices":          stringList(s.Devices),
		"devices_per_node": starlark.MakeInt(s.DeviceOptions.DevicesPerNode),
		"first_device":     starlark.MakeInt(s.DeviceOptions.FirstDevice),
	})
}

func noneIfEmpty(s string) starlark.Value {
	if s == "" {
		return starlark.None
	}
	return starlark.String(s)
}
