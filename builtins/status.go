package builtins

import (
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/ssrun/ssrun/launchers"
)

// Status is the predeclared `status` module: SmartSim's SmartSimStatus members as constants whose values
// are the strings SmartSim prints ("Completed", ...), so `exp.get_status(m)[0] == status.COMPLETED`.
var Status = &starlarkstruct.Module{
	Name: "status",
	Members: starlark.StringDict{
		"NEW":           starlark.String(launchers.StatusNew),
		"RUNNING":       starlark.String(launchers.StatusRunning),
		"PAUSED":        starlark.String(launchers.StatusPaused),
		"COMPLETED":     starlark.String(launchers.StatusCompleted),
		"FAILED":        starlark.String(launchers.StatusFailed),
		"CANCELLED":     starlark.String(launchers.StatusCancelled),
		"NEVER_STARTED": starlark.String(launchers.StatusNeverStarted),
	},
}
