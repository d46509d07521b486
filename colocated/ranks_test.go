package colocated

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLocalRank(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want int
	}{
		{nil, 0},
		{map[string]string{"SLURM_LOCALID": "2"}, 2},
		{map[string]string{"PALS_LOCAL_RANKID": "1"}, 1},
		{map[string]string{"JSM_NAMESPACE_LOCAL_RANK": "3"}, 3},
		{map[string]string{"PMI_LOCAL_RANK": "4"}, 4},
		// mpirun inside an srun task: every rank inherits the task's SLURM_LOCALID; Open MPI's wins.
		{map[string]string{"SLURM_LOCALID": "0", "OMPI_COMM_WORLD_LOCAL_RANK": "1"}, 1},
		{map[string]string{"MPI_LOCALRANKID": "5", "SLURM_LOCALID": "0"}, 5},
		{map[string]string{"SLURM_LOCALID": "x"}, 0},
	} {
		lookup := func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
		if got := localRank(lookup); got != c.want {
			t.Errorf("%v: local rank %d, want %d", c.env, got, c.want)
		}
	}
}

// TestRankZeroWaitsForTheOtherRanks: rank 0 takes the node lock exclusively only once every other
// rank that holds it has let go (or died: the kernel drops the lock of a dead process).
func TestRankZeroWaitsForTheOtherRanks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.sock.lock")
	others := make([]*nodeLock, 2)
	for i := range others {
		l, err := holdNodeLock(path)
		if err != nil {
			t.Fatal(err)
		}
		others[i] = l
	}
	rank0, err := holdNodeLock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rank0.close()
	done := make(chan struct{})
	go func() {
		rank0.waitForOtherRanks(nil)
		close(done)
	}()
	for _, l := range others {
		select {
		case <-done:
			t.Fatal("rank 0 went on while another local rank still ran")
		case <-time.After(100 * time.Millisecond):
		}
		l.close()
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("rank 0 still waits after every other rank ended")
	}
	// A signal ends the wait even while a rank still runs.
	late, err := holdNodeLock(path + "2")
	if err != nil {
		t.Fatal(err)
	}
	defer late.close()
	r0, _ := holdNodeLock(path + "2")
	defer r0.close()
	sigs := make(chan os.Signal, 1)
	sigs <- os.Interrupt
	r0.waitForOtherRanks(sigs)
}

// TestPinningKeepsTheStepsCPUs: pins outside this process's CPU set are dropped (with a note), as a
// scheduler that confines the step would otherwise make taskset fail.
func TestPinningKeepsTheStepsCPUs(t *testing.T) {
	var note strings.Builder
	if got := allowedPinning("0", &note); got != "0" && note.Len() == 0 {
		t.Errorf("pinning 0 gave %q without a note", got)
	}
	note.Reset()
	if got := allowedPinning("0,100000", &note); strings.Contains(got, "100000") || !strings.Contains(note.String(), "may not run on all of CPUs 0,100000") {
		t.Errorf("pinning 0,100000 gave %q, note %q", got, note.String())
	}
	if got := allowedPinning("", &note); got != "" {
		t.Errorf("no pinning gave %q", got)
	}
}

func TestDBArgv(t *testing.T) {
	cfg := &config{name: "m_db", port: 6780, ifname: "lo", dbArgs: []string{"maxmemory=1gb", "intra_op_parallelism=2", "flag"}}
	argv, err := dbArgv("/bin/ssrun", cfg)
	want := "/bin/ssrun db --name m_db --port 6780 --bind 127.0.0.1 --maxmemory 1gb --intra-op-threads 2 --flag"
	if err != nil || strings.Join(argv, " ") != want {
		t.Errorf("dbArgv = %q, %v; want %q", argv, err, want)
	}
	cfg.ifname = "no-such-if0"
	if _, err := dbArgv("/bin/ssrun", cfg); err == nil || !strings.Contains(err.Error(), "no such network interface") {
		t.Errorf("unknown interface: %v", err)
	}
	cfg = &config{name: "u", socket: "/tmp/x.sock"}
	if argv, _ := dbArgv("/bin/ssrun", cfg); strings.Join(argv, " ") != "/bin/ssrun db --name u --port -1 --unixsocket /tmp/x.sock" {
		t.Errorf("socket: %q", argv)
	}
}
