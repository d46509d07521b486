package builtins

import (
	"go.starlark.net/starlark"
)

// This file adapts the experiment methods that report: summary.

// experimentSummary is summary(style="github"): a table of every job launched in this experiment
// (styles github, plain, markdown, json, ...).
func experimentSummary(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	style := "github"
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "style?", &style); err != nil {
		return nil, err
	}
	table, err := receiverExp(b).Summary(style)
	if err != nil {
		return nil, err
	}
	return starlark.String(table), nil
}
