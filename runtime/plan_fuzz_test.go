package runtime

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzPlanCanonical decodes arbitrary JSON as a plan and renders it canonically: rendering must never
// panic and must be a fixed point (the canonical form of the canonical form is itself, byte for byte),
// which is what makes plans comparable across runs.
func FuzzPlanCanonical(f *testing.F) {
	f.Add([]byte(`{"experiment":{"name":"e","launcher":"local","seed":0,"dry_run":true},"entities":[{"name":"m","type":"model","path":"$EXP/m","params":[["a","1"]]}],"files":[],"launches":[]}`))
	f.Add([]byte(`{"entities":[{"name":"ens","type":"ensemble","members":[{"name":"ens_0"}]}],"databases":[{}],"resume":[{}]}`))
	f.Add([]byte(`{"experiment":{"name":"\u00e9\u0000<>&"},"launches":[{"argv":["a b","c"]}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Plan
		if json.Unmarshal(data, &p) != nil {
			return
		}
		a, err := p.JSON()
		if err != nil {
			return // values JSON cannot hold; the runtime never builds them
		}
		var q Plan
		if err := json.Unmarshal(a, &q); err != nil {
			t.Fatalf("canonical JSON does not decode: %v\n%s", err, a)
		}
		b, err := q.JSON()
		if err != nil || !bytes.Equal(a, b) {
			t.Fatalf("canonical form is not a fixed point: %v\n%s\n%s", err, a, b)
		}
		_ = p.Text()
	})
}
