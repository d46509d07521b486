package status

// MemberState is what the journal and a local member's supervisor files say of one member's latest run,
// for readers that show the whole manifest rather than `ssrun status` rows (the dashboard, the report).
type MemberState struct {
	Row
	Ensemble  string // the member's ensemble, "" for a model
	StatusDir string
}

// JournalStates replays the journal beside the manifest at manifestPath and returns the state of each
// member it knows, in first-seen order, with the same precedence as `ssrun status`: a recorded end,
// else the exit code its supervisor recorded, else Running while its process lives; Status is "" when none of
// these says anything. settled, if not nil, names the members whose end the caller already read from
// the manifest for that run: they are left out without reading their files, so a reader refreshing a
// 10,000-member experiment reads the files of the unfinished members only. No journal: nil, nil.
func JournalStates(manifestPath string, settled func(run, name string) bool) ([]MemberState, error) {
	st, err := readJournal(manifestPath)
	if err != nil || len(st.Order) == 0 {
		return nil, err
	}
	out := make([]MemberState, 0, len(st.Order))
	for _, name := range st.Order {
		m := st.Members[name]
		if settled != nil && settled(m.Run, m.Name) {
			continue
		}
		out = append(out, MemberState{Row: journalRow(m), Ensemble: m.Ens, StatusDir: m.Dir})
	}
	return out, nil
}

// Terminal reports whether a status is a job's last (it ended one way or another).
func Terminal(s string) bool { return terminal(s) }
