package journal

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func code(c int) *int { return &c }

// writeReal writes a journal through Writer as a driver does: an open record, launches with their
// identity, started and end records, a skip, a second driver's open.
func writeReal(t testing.TB, path string) {
	t.Helper()
	w, err := Create(path, Record{Exp: "exp", Script: "/work/driver.star"})
	if err != nil {
		t.Fatal(err)
	}
	var launches []Record
	for i := 0; i < 5; i++ {
		name := fmt.Sprintf("ens_%d", i)
		launches = append(launches, Record{Ev: EvLaunch, Run: "run-000", Name: name, Ens: "ens", Hash: strings.Repeat("ab", 32),
			Parts: map[string]string{"exe": "1234", "file in.txt": "99", "params": "x=1"}, Dir: "/exp/.smartsim/telemetry/exp/run-000/ensemble/ens/" + name})
	}
	launches = append(launches, Record{Ev: EvLaunch, Run: "run-000", Name: "solo \"quoted\" \u00e9", Dir: "/exp/d\tir"})
	if err := w.Append(true, launches...); err != nil {
		t.Fatal(err)
	}
	recs := []Record{
		{Ev: EvStarted, Run: "run-000", Name: "ens_0", Job: "4242"},
		{Ev: EvStarted, Run: "run-000", Name: "ens_1", Job: "4243"},
		{Ev: EvEnd, Run: "run-000", Name: "ens_0", Status: "Completed", Code: code(0)},
		{Ev: EvEnd, Run: "run-000", Name: "ens_1", Status: "Failed", Code: code(-15)},
		{Ev: EvEnd, Run: "run-000", Name: "ens_2", Status: "Cancelled"},
		{Ev: EvSkip, Run: "run-001", Name: "ens_3", Ens: "ens", From: "run-000"},
		{Ev: EvOpen, V: Version, Exp: "exp", Script: "/work/driver.star"},
		{Ev: EvLaunch, Run: "run-001", Name: "ens_4", Ens: "ens", Hash: "cd", Parts: map[string]string{"exe": "1"}, Dir: "/d4"},
		{Ev: EvEnd, Run: "run-000", Name: "ens_4", Status: "Completed", Code: code(0)}, // an old run's late end
	}
	if err := w.Append(false, recs...); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// variants are journals Writer does not write but encoding/json reads (or refuses): each line is
// appended to a real journal, and the scanning reader must agree with readDecoded.
var variants = map[string]string{
	"real":               "",
	"crlf":               "{\"ev\":\"end\",\"run\":\"run-000\",\"name\":\"ens_3\",\"status\":\"Completed\",\"code\":0}\r\n",
	"no final newline":   `{"ev":"end","run":"run-000","name":"ens_3","status":"Failed","code":2}`,
	"truncated":          `{"ev":"end","run":"run-000","na` + "\n",
	"truncated no nl":    `{"ev":"end","ru`,
	"empty line":         "\n" + `{"ev":"skip","name":"x"}` + "\n",
	"newer version":      `{"v":2,"ev":"open","exp":"exp"}` + "\n",
	"null fields":        `{"v":null,"ev":"end","run":"run-000","name":"ens_3","status":null,"code":null,"parts":null,"hash":null}` + "\n",
	"other case":         `{"EV":"launch","Run":"run-009","name":"ens_3","Parts":{"a":"b"}}` + "\n",
	"repeated key":       `{"ev":"launch","run":"run-009","name":"ens_3","name":"ens_9","parts":{"a":"b"},"parts":{"c":"d"}}` + "\n",
	"escapes":            `{"ev":"launch","run":"run-\u0030","name":"ens_\"3\"","dir":"a\/b\u00e9"}` + "\n",
	"unknown key":        `{"ev":"end","future":{"x":[1,2,{"y":null}]},"run":"run-000","name":"ens_3","status":"Completed","code":0}` + "\n",
	"code fraction":      `{"ev":"end","run":"run-000","name":"ens_3","status":"Completed","code":1.0}` + "\n",
	"code exponent":      `{"ev":"end","run":"run-000","name":"ens_3","status":"Completed","code":1e2}` + "\n",
	"code huge":          `{"ev":"end","run":"run-000","name":"ens_3","status":"Completed","code":123456789012345678901}` + "\n",
	"code string":        `{"ev":"end","run":"run-000","name":"ens_3","status":"Completed","code":"0"}` + "\n",
	"name number":        `{"ev":"end","run":"run-000","name":3}` + "\n",
	"parts not strings":  `{"ev":"launch","run":"run-009","name":"ens_3","parts":{"a":1}}` + "\n",
	"parts null value":   `{"ev":"launch","run":"run-009","name":"ens_3","parts":{"a":null}}` + "\n",
	"no ev":              `{"run":"run-000","name":"ens_3"}` + "\n",
	"null line":          "null\n",
	"array line":         "[]\n",
	"trailing garbage":   `{"ev":"end"} x` + "\n",
	"invalid utf8":       "{\"ev\":\"launch\",\"run\":\"run-009\",\"name\":\"ens_\xff\"}\n",
	"spaces":             ` { "ev" : "end" , "run" : "run-000" , "name" : "ens_3" , "code" : -0 } ` + "\n",
	"long line":          `{"ev":"launch","run":"run-009","name":"ens_3","hash":"` + strings.Repeat("f", maxFastLine+10) + `"}` + "\n",
	"too long for json":  `{"ev":"launch","hash":"` + strings.Repeat("f", maxLine) + `"}` + "\n",
	"corrupt then valid": `{"ev":` + "\n" + `{"v":9,"ev":"open"}` + "\n",
}

// TestScanAgreesWithDecoding: Read and ReadState give what json.Unmarshal of every line gave, records,
// state and errors (file and line), for a real journal and each variant appended to it.
func TestScanAgreesWithDecoding(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.jsonl")
	writeReal(t, base)
	real, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	for name, extra := range variants {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, append(append([]byte(nil), real...), extra...), 0o644); err != nil {
				t.Fatal(err)
			}
			checkAgrees(t, path)
		})
	}
	checkAgrees(t, filepath.Join(dir, "missing.jsonl"))
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o644)
	checkAgrees(t, empty)
}

func checkAgrees(t *testing.T, path string) {
	t.Helper()
	want, wantErr := readDecoded(path)
	got, err := Read(path)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) {
		t.Fatalf("Read error %v, want %v", err, wantErr)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Read (-decoded +scanned):\n%s", diff)
	}
	for _, identity := range []bool{true, false} {
		st, err := ReadState(path, identity)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("ReadState(%v) error %v, want %v", identity, err, wantErr)
		}
		if wantErr != nil {
			continue
		}
		recs := append([]Record(nil), want...)
		if !identity {
			for i := range recs {
				recs[i].Hash, recs[i].Parts = "", nil
			}
		}
		if diff := cmp.Diff(Replay(recs), st); diff != "" {
			t.Errorf("ReadState(%v) (-replayed +read):\n%s", identity, diff)
		}
	}
}

// FuzzRead: for any bytes, the scanning reader and json.Unmarshal of each line agree (in memory: the
// files' part is TestScanAgreesWithDecoding's).
func FuzzRead(f *testing.F) {
	base := filepath.Join(f.TempDir(), "base.jsonl")
	writeReal(f, base)
	real, _ := os.ReadFile(base)
	f.Add(real)
	for _, extra := range variants {
		if len(extra) < 1000 {
			f.Add([]byte(extra))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "fuzz.jsonl"
		want, wantErr := decodeReader(bytes.NewReader(data), path)
		for _, identity := range []bool{true, false} {
			var got []Record
			err := scanReader(bytes.NewReader(data), path, newLineParser(identity, nil), func(r *Record) { got = append(got, *r) })
			if err == errSlowPath {
				return // read by decodeReader itself
			}
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Fatalf("identity %v: error %v, want %v", identity, err, wantErr)
			}
			if err != nil {
				continue
			}
			recs := append([]Record(nil), want...)
			if !identity {
				for i := range recs {
					recs[i].Hash, recs[i].Parts = "", nil
				}
			}
			if diff := cmp.Diff(recs, got); diff != "" {
				t.Fatalf("identity %v: records (-decoded +scanned):\n%s", identity, diff)
			}
		}
	})
}

// BenchmarkRead: a 10,000-member journal (launch with identity, started, end per member, as a real
// run writes them) read by json.Unmarshal of each line (decoded, the reader before), by the scanning
// Read (what a resume reads) and by ReadState without identity (what status and the dashboard read).
func BenchmarkRead(b *testing.B) {
	path := filepath.Join(b.TempDir(), FileName)
	w, err := Create(path, Record{Exp: "bench", Script: "/work/bench/resume.star"})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 10000; i++ {
		name := fmt.Sprintf("ens_%d", i)
		dir := "/work/bench/resume-bench/.smartsim/telemetry/resume-bench/run-000/ensemble/ens/" + name
		parts := map[string]string{"exe": strings.Repeat("3f", 32), "file in.txt": strings.Repeat("a1", 32),
			"params": strings.Repeat("9c", 32), "run_settings": strings.Repeat("0d", 32)}
		if err := w.Append(false,
			Record{Ev: EvLaunch, Run: "run-000", Name: name, Ens: "ens", Hash: strings.Repeat("e7", 32), Parts: parts, Dir: dir},
			Record{Ev: EvStarted, Run: "run-000", Name: name, Job: fmt.Sprint(100000 + i)},
			Record{Ev: EvEnd, Run: "run-000", Name: name, Status: "Completed", Code: code(0)}); err != nil {
			b.Fatal(err)
		}
	}
	w.Close()
	st, _ := os.Stat(path)
	for _, c := range []struct {
		name string
		read func() error
	}{
		{"decoded", func() error { recs, err := readDecoded(path); Replay(recs); return err }},
		{"scanned", func() error { recs, err := Read(path); Replay(recs); return err }},
		{"state", func() error { _, err := ReadState(path, false); return err }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(st.Size())
			for b.Loop() {
				if err := c.read(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
