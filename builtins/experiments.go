package builtins

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ssrun/ssrun/launchers"
	"github.com/ssrun/ssrun/runtime"
)

// This file keeps the experiments a run creates: each gets a launcher from the host's factory (which
// applies --dry-run and --launcher), and the host closes them all when the script ends.

// newExperiment creates a runtime experiment wired to this run and remembers it for Close.
func (env *Env) newExperiment(name, expPath, launcherName string) (*runtime.Experiment, error) {
	if env.NewLauncher == nil {
		return nil, fmt.Errorf("internal error: the ssrun host gave no launcher factory")
	}
	l := env.NewLauncher(launcherName)
	exp, err := runtime.NewExperiment(name, expPath, launcherName, runtime.Options{
		Cwd:               env.Dir,
		Launcher:          l,
		AutoLauncher:      env.Launcher,
		Seed:              env.Seed,
		DryRun:            env.DryRun,
		Hermetic:          env.Hermetic,
		Log:               env.logger(),
		NoTelemetry:       env.NoTelemetry,
		Progress:          env.Progress,
		TelemetryInterval: env.Interval,
		Resume:            env.Resume,
		DiscardPlan:       env.DiscardPlan,
		Script:            env.Script,
	})
	if err != nil {
		_ = l.Close()
		return nil, err
	}
	env.experiments = append(env.experiments, &experimentRun{exp: exp, launcher: l})
	return exp, nil
}

// experimentRun is one experiment of the run with the launcher it owns.
type experimentRun struct {
	exp      *runtime.Experiment
	launcher launchers.Launcher
}

// Close ends the run's experiments: every local job still running is stopped (unless Detach; batch
// jobs are left to the scheduler and recorded in the manifest) and every launcher released. It returns the first error met; all experiments are closed regardless.
func (env *Env) Close() error {
	var errs []error
	for _, r := range env.experiments {
		if env.Detach {
			continue
		}
		if err := r.exp.Close(); err != nil { // databases get SHUTDOWN; the launcher's Close would only kill them
			errs = append(errs, fmt.Errorf("experiment %s: %w", r.exp.Name, err))
		}
		if err := r.launcher.Close(); err != nil {
			errs = append(errs, fmt.Errorf("experiment %s: %w", r.exp.Name, err))
		}
	}
	return errors.Join(errs...)
}

// WritePlan writes the plan of the run's experiments to w: format "json" gives the canonical JSON of
// the plan (a JSON array of plans when the script made several experiments or none), "text" the plans
// for people, one after the other.
func (env *Env) WritePlan(w io.Writer, format string) error {
	if len(env.experiments) == 0 {
		msg := "no experiment was created; nothing to plan\n"
		if format == "json" {
			msg = "[]\n"
		}
		_, err := io.WriteString(w, msg)
		return err
	}
	if format != "json" {
		for i, r := range env.experiments {
			if i > 0 {
				if _, err := io.WriteString(w, "\n"); err != nil {
					return err
				}
			}
			if _, err := io.WriteString(w, r.exp.Plan().Text()); err != nil {
				return err
			}
		}
		return nil
	}
	if len(env.experiments) == 1 {
		data, err := env.experiments[0].exp.Plan().JSON()
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	return writePlanArray(w, env.experiments)
}

// writePlanArray writes several canonical plans as one canonical JSON array.
func writePlanArray(w io.Writer, runs []*experimentRun) error {
	docs := make([]json.RawMessage, len(runs))
	for i, r := range runs {
		data, err := r.exp.Plan().JSON()
		if err != nil {
			return err
		}
		docs[i] = data
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, mustMarshal(docs), "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

func mustMarshal(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // raw messages produced by Plan.JSON always marshal
	}
	return data
}
