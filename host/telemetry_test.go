package host

import (
	"strings"
	"testing"
	"time"
)

// TestTelemetryFlag: SMARTSIM_FLAG_TELEMETRY, read through Options.Getenv, sets whether experiments
// start with telemetry on; the script sees it as exp.telemetry.is_enabled and can flip it, and
// db.telemetry starts off. A value that is not a switch is a usage error naming the variable.
func TestTelemetryFlag(t *testing.T) {
	f := newFixture(t)
	f.file("t.star", `exp = Experiment("t", launcher="local")
print("exp", exp.telemetry.is_enabled, type(exp.telemetry))
exp.telemetry.disable()
print("after disable", exp.telemetry.is_enabled)
exp.telemetry.enable()
print("after enable", exp.telemetry.is_enabled)
db = exp.create_database(port=6780)
print("db", db.telemetry.is_enabled)
db.telemetry.enable()
print("db enabled", db.telemetry.is_enabled, "telemetry" in dir(exp), "telemetry" in dir(db))
`)
	for value, want := range map[string]string{"": "exp True telemetry_configuration", "1": "exp True", "0": "exp False", "false": "exp False", "on": "exp True"} {
		_, stderr, err := f.run("t.star", Options{DryRun: true, PlanFormat: PlanJSON, Getenv: func(k string) string {
			if k == "SMARTSIM_FLAG_TELEMETRY" {
				return value
			}
			return ""
		}})
		if err != nil {
			t.Fatalf("SMARTSIM_FLAG_TELEMETRY=%q: %v\n%s", value, err, stderr)
		}
		for _, line := range []string{want, "after disable False", "after enable True", "db False", "db enabled True True True"} {
			if !strings.Contains(stderr, line) {
				t.Errorf("SMARTSIM_FLAG_TELEMETRY=%q: log lacks %q:\n%s", value, line, stderr)
			}
		}
	}
	_, _, err := f.run("t.star", Options{DryRun: true, Getenv: func(string) string { return "maybe" }})
	if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "SMARTSIM_FLAG_TELEMETRY") {
		t.Errorf("SMARTSIM_FLAG_TELEMETRY=maybe: %v, want a usage error naming it", err)
	}
	_, _, err = f.run("t.star", Options{DryRun: true, TelemetryInterval: time.Millisecond})
	if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "--telemetry-interval") {
		t.Errorf("--telemetry-interval 1ms: %v, want a usage error", err)
	}
}
