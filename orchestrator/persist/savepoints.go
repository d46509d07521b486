package persist

import (
	"errors"
	"strconv"
	"strings"
)

// SavePoint is one "save SECONDS CHANGES" rule: snapshot when at least Changes writes happened and
// Seconds have passed since the last snapshot.
type SavePoint struct {
	Seconds int64
	Changes int64
}

// ParseSavePoints reads redis.conf's save value: pairs of integers separated by spaces ("3600 1 300
// 100"); the empty string means no automatic snapshots.
func ParseSavePoints(s string) ([]SavePoint, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return nil, nil
	}
	if len(f)%2 != 0 {
		return nil, errors.New("Invalid save parameters")
	}
	out := make([]SavePoint, 0, len(f)/2)
	for i := 0; i < len(f); i += 2 {
		sec, err1 := strconv.ParseInt(f[i], 10, 64)
		ch, err2 := strconv.ParseInt(f[i+1], 10, 64)
		if err1 != nil || err2 != nil || sec < 1 || ch < 0 {
			return nil, errors.New("Invalid save parameters")
		}
		out = append(out, SavePoint{Seconds: sec, Changes: ch})
	}
	return out, nil
}

// FormatSavePoints is the inverse of ParseSavePoints, as CONFIG GET save answers.
func FormatSavePoints(ps []SavePoint) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatInt(p.Seconds, 10) + " " + strconv.FormatInt(p.Changes, 10))
	}
	return b.String()
}

// Due reports whether any point asks for a snapshot, given the writes and seconds since the last one
// (Redis's serverCron test: at least Changes writes and more than Seconds seconds).
func Due(ps []SavePoint, changes, seconds int64) bool {
	for _, p := range ps {
		if changes >= p.Changes && seconds > p.Seconds {
			return true
		}
	}
	return false
}
