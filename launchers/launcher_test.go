package launchers

import (
	"strings"
	"testing"
)

func TestJobValidate(t *testing.T) {
	cases := []struct {
		name string
		job  Job
		want string // substring of the error; "" for a valid job
	}{
		{"valid", Job{Name: "m", Argv: []string{"sim", "--n=1"}, Env: []string{"A=1", "EMPTY="}}, ""},
		{"no argv", Job{Name: "m"}, `job "m" has no command`},
		{"empty program", Job{Name: "m", Argv: []string{""}}, `job "m" has no command`},
		{"NUL in argument", Job{Name: "m", Argv: []string{"sim", "a\x00b"}}, "NUL byte"},
		{"env without =", Job{Name: "m", Argv: []string{"sim"}, Env: []string{"OOPS"}}, `"OOPS" is not KEY=VALUE`},
		{"env without key", Job{Name: "m", Argv: []string{"sim"}, Env: []string{"=x"}}, "is not KEY=VALUE"},
	}
	for _, c := range cases {
		err := c.job.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestTerminalStatuses(t *testing.T) {
	terminal := map[Status]bool{StatusCompleted: true, StatusFailed: true, StatusCancelled: true}
	for _, s := range []Status{StatusNew, StatusRunning, StatusPaused, StatusCompleted, StatusFailed, StatusCancelled, StatusNeverStarted} {
		if s.Terminal() != terminal[s] {
			t.Errorf("%s.Terminal() = %v", s, s.Terminal())
		}
	}
}
