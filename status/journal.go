package status

import (
	"os"
	"path/filepath"
	"strconv"

	"github.com/ssrun/ssrun/member"
	"github.com/ssrun/ssrun/runtime/journal"
)

// withJournal corrects the manifest's rows with the journal beside it (package journal). The manifest
// is a snapshot rewritten at most every 200 ms and not at all once its driver is killed; the journal
// is appended at every launch and end, and a local member's supervisor records its exit code even when no
// driver watches. So a member whose end the manifest lacks is shown as the journal and the supervisor's files say:
// its recorded end; else the code its supervisor (or its batch script) wrote; else Running while its process (pid and start
// time) lives; else what the manifest said, or Unknown.
func withJournal(rows []Row, manifestPath string) ([]Row, error) {
	st, err := readJournal(manifestPath)
	if err != nil {
		return rows, err
	}
	return correct(rows, st), nil
}

// readJournal replays the journal beside the manifest at manifestPath, without the launches' identity
// (hashes and part digests), which only a resume compares.
func readJournal(manifestPath string) (*journal.State, error) {
	return journal.ReadState(filepath.Join(filepath.Dir(manifestPath), journal.FileName), false)
}

// correct applies the journal's state to the manifest's rows (see withJournal).
func correct(rows []Row, st *journal.State) []Row {
	if len(st.Order) == 0 {
		return rows
	}
	at := make(map[string]int, len(rows))
	for i, r := range rows {
		if r.Type == "model" || r.Type == "ensemble" {
			at[r.Name] = i
		}
	}
	for _, name := range st.Order {
		m := st.Members[name]
		i, listed := at[name]
		if listed && terminal(rows[i].Status) && rows[i].Run == m.Run {
			continue // the manifest saw this end itself
		}
		row := journalRow(m)
		if listed {
			if row.JobID == "" {
				row.JobID = rows[i].JobID
			}
			if rows[i].OutFile != "" {
				row.OutFile = rows[i].OutFile
			}
			if row.Status == "" {
				row.Status, row.ReturnCode = rows[i].Status, rows[i].ReturnCode
			}
			rows[i] = row
			continue
		}
		if row.Status == "" {
			row.Status = "Unknown"
		}
		at[name] = len(rows)
		rows = append(rows, row)
	}
	return rows
}

func journalRow(m *journal.Member) Row {
	typ := "model"
	if m.Ens != "" {
		typ = "ensemble"
	}
	record := filepath.Join(m.Dir, m.Name)
	row := Row{Name: m.Name, Type: typ, JobID: m.Job, Run: m.Run, OutFile: record + ".out"}
	switch {
	case m.Ended:
		row.Status, row.ReturnCode = m.Status, intPtr(m.Code)
	default:
		code, ok := member.ReadExitCode(record)
		if !ok && m.Dir != "" { // a batch member: its job's script recorded it
			code, ok = member.ReadBatchExitCode(m.Dir, m.Name)
		}
		if ok {
			row.Status, row.ReturnCode = "Completed", intPtr(code)
			if code != 0 {
				row.Status = "Failed"
			}
		} else if pid, start, ok := member.ReadPid(record); ok && alive(pid, start) {
			row.Status = "Running"
			if row.JobID == "" {
				row.JobID = strconv.Itoa(pid)
			}
		} else {
			row.Status = "" // not known here: the manifest's word stands, else Unknown
		}
	}
	return row
}

func journalExists(manifestPath string) bool {
	_, err := os.Stat(filepath.Join(filepath.Dir(manifestPath), journal.FileName))
	return err == nil
}

func terminal(s string) bool { return s == "Completed" || s == "Failed" || s == "Cancelled" }

func alive(pid int, start uint64) bool {
	now, err := member.StartTime(pid)
	return err == nil && now == start
}

func intPtr(i int) *int { return &i }
