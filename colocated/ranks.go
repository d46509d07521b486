package colocated

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// localRankVars name a process's rank among the ranks of its step on the same node, for the launchers
// SmartSim supports. MPI's own variables come first: mpirun inside a Slurm allocation starts its ranks
// from one srun task, so SLURM_LOCALID is the same (0) for all of them there.
var localRankVars = []string{
	"OMPI_COMM_WORLD_LOCAL_RANK", // Open MPI's mpirun/mpiexec, and srun --mpi=pmix with Open MPI
	"MPI_LOCALRANKID",            // MPICH / Intel MPI (Hydra)
	"PMI_LOCAL_RANK",             // PMI-based launchers
	"PALS_LOCAL_RANKID",          // HPE Cray PALS (aprun's successor on PBS)
	"JSM_NAMESPACE_LOCAL_RANK",   // IBM jsrun (LSF)
	"SLURM_LOCALID",              // srun
}

// localRank is this process's node-local rank: the first of localRankVars that is set to a number,
// else 0 (a single process, as the local launcher and `mpirun -np 1` run it).
func localRank(lookup func(string) (string, bool)) int {
	for _, name := range localRankVars {
		if v, ok := lookup(name); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				return n
			}
		}
	}
	return 0
}

// nodeLock is the node-local file through which the ranks of a step on one node share the database:
// each rank holds a shared flock(2) on it from its start until its program has ended (the kernel
// drops it if the rank dies), and rank 0 takes it exclusively before stopping the database, which
// therefore waits for the last local rank. MPI programs cannot end before all their ranks have started
// (MPI_Init waits for every rank), and every rank takes its shared lock before it runs anything, so
// no rank starts after the database is gone.
type nodeLock struct {
	f *os.File
}

func holdNodeLock(path string) (*nodeLock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil { // the socket's directory, made early
		return nil, fmt.Errorf("cannot create the directory of %s: %v", path, err)
	}
	// Read-only is enough for flock(2), and lets ranks of other users share a lock file they did not create.
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open the node's rank lock %s: %v", path, err)
	}
	if err := flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot lock %s: %v", path, err)
	}
	return &nodeLock{f: f}, nil
}

// waitForOtherRanks returns once no other rank holds the lock, or when a signal asks the wrapper to
// stop waiting (the other ranks get their own signals).
func (l *nodeLock) waitForOtherRanks(sigs <-chan os.Signal) {
	fd := int(l.f.Fd())
	done := make(chan struct{})
	go func() {
		// Converting a shared lock into an exclusive one waits for the other holders to let go.
		_ = flock(fd, syscall.LOCK_EX)
		close(done)
	}()
	select {
	case <-done:
	case <-sigs:
	}
}

func (l *nodeLock) close() { l.f.Close() }

// flock retries flock(2) when a signal interrupts it.
func flock(fd, how int) error {
	for {
		err := syscall.Flock(fd, how)
		if err != syscall.EINTR {
			return err
		}
	}
}
