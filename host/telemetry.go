package host

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// telemetryEnvVar is SmartSim's switch for experiment telemetry (on by default).
const telemetryEnvVar = "SMARTSIM_FLAG_TELEMETRY"

// telemetryOff reads SMARTSIM_FLAG_TELEMETRY as SmartSim does (an integer, on when > 0; unset means
// on) and also accepts true/false, yes/no, on/off. The host reads it, once, so the runtime never
// looks at the environment and a test passes it explicitly.
func telemetryOff(getenv func(string) string) (bool, error) {
	v := strings.TrimSpace(getenv(telemetryEnvVar))
	if v == "" {
		return false, nil
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n <= 0, nil
	}
	switch strings.ToLower(v) {
	case "true", "yes", "on":
		return false, nil
	case "false", "no", "off":
		return true, nil
	}
	return false, Usagef("%s=%q: want 1 (telemetry on, the default) or 0 (off)", telemetryEnvVar, v)
}

// Bounds of --telemetry-interval: SmartSim's frequency is 1 to 600 s; shorter intervals are allowed
// down to 10 ms for tests and short experiments.
const (
	minTelemetryInterval = 10 * time.Millisecond
	maxTelemetryInterval = 600 * time.Second
)

func checkTelemetryInterval(d time.Duration) error {
	if d == 0 {
		return nil
	}
	if d < minTelemetryInterval || d > maxTelemetryInterval {
		return Usagef("--telemetry-interval %v: want between %v and %v", d, minTelemetryInterval, maxTelemetryInterval)
	}
	return nil
}

func getenvOr(f func(string) string) func(string) string {
	if f == nil {
		return os.Getenv
	}
	return f
}
