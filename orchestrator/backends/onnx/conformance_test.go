package onnx_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ssrun/ssrun/tensor"
)

// libonnxTestdata is Debian's libonnx-testdata: ONNX's own backend test models with reference inputs
// and outputs.
const libonnxTestdata = "/usr/share/libonnx-testdata/data"

// TestConformance runs ONNX's reference models through the server exactly as a client would:
// AI.MODELSTORE, AI.TENSORSET of each reference input, AI.MODELEXECUTE, AI.TENSORGET of each output,
// compared with the reference outputs. It covers this package's generated models and Debian's
// libonnx-testdata suites "simple" and "pytorch-converted".
func TestConformance(t *testing.T) {
	lib := library(t)
	c := newClient(t, startServer(t, lib, 1))
	suites := map[string]string{"ssrun": "testdata"}
	if _, err := os.Stat(libonnxTestdata); err == nil {
		suites["simple"] = filepath.Join(libonnxTestdata, "simple")
		suites["pytorch-converted"] = filepath.Join(libonnxTestdata, "pytorch-converted")
	} else if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing: ci/setup-onnx.sh installs libonnx-testdata", libonnxTestdata)
	} else {
		t.Logf("%s is missing (apt-get install libonnx-testdata): running this package's models only", libonnxTestdata)
	}
	names := make([]string, 0, len(suites))
	for name := range suites {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, suite := range names {
		dirs, err := filepath.Glob(filepath.Join(suites[suite], "*", "model.onnx"))
		if err != nil || len(dirs) == 0 {
			t.Fatalf("no models in %s", suites[suite])
		}
		passed := 0
		t.Run(suite, func(t *testing.T) {
			for _, modelFile := range dirs {
				dir := filepath.Dir(modelFile)
				t.Run(filepath.Base(dir), func(t *testing.T) {
					defer func() {
						if !t.Failed() && !t.Skipped() {
							passed++
						}
					}()
					runReferenceModel(t, c, dir)
				})
			}
		})
		t.Logf("%s: %d of %d models passed (the others are skipped above, each with its reason)", suite, passed, len(dirs))
	}
}

// runReferenceModel checks every test_data_set_* of one model directory.
func runReferenceModel(t *testing.T, c *redis.Client, dir string) {
	ctx := context.Background()
	sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
	if len(sets) == 0 {
		t.Fatalf("%s has no test_data_set_*", dir)
	}
	opset, reason := modelSupport(t, filepath.Join(dir, "model.onnx"))
	if reason != "" {
		t.Skip(reason)
	}
	key := "{m}" + dir
	err := c.Do(ctx, "AI.MODELSTORE", key, "ONNX", "CPU", "BLOB", readFile(t, filepath.Join(dir, "model.onnx"))).Err()
	if err != nil && strings.Contains(err.Error(), "Failed to construct locale") && !hasLocale("en_US") && os.Getenv("CI") == "" {
		t.Skipf("the model's StringNormalizer needs the en_US.UTF-8 locale (apt-get install locales-all; CI has it): %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "Could not find an implementation") && opset < minOpset {
		t.Skipf("opset %d: ONNX Runtime has dropped this operator version (it supports opset %d and newer): %v", opset, minOpset, err)
	}
	if err != nil {
		t.Fatalf("AI.MODELSTORE: %v", err)
	}
	for _, set := range sets {
		inputs, err := readSet(set, "input")
		if errors.Is(err, errUnrepresentable) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		want, err := readSet(set, "output")
		if errors.Is(err, errUnrepresentable) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range inputs {
			if n, _ := tensor.NumElements(x.Shape); n == 0 {
				t.Skipf("input %d has shape %v: RedisAI tensors cannot have a zero dimension", i, x.Shape)
			}
		}
		in, out := keys("{m}in", len(inputs)), keys("{m}out", len(want))
		for i, x := range inputs {
			if err := setTensor(ctx, c, in[i], x); err != nil {
				t.Fatalf("AI.TENSORSET input %d: %v", i, err)
			}
		}
		reply, err := modelExecute(ctx, c, key, in, out)
		if err != nil || reply != "OK" {
			t.Fatalf("AI.MODELEXECUTE: %q %v", reply, err)
		}
		for i, w := range want {
			got, err := getTensor(ctx, c, out[i])
			if err != nil {
				t.Fatalf("AI.TENSORGET output %d: %v", i, err)
			}
			if err := closeEnough(got, w); err != nil {
				t.Errorf("%s output %d: %v", filepath.Base(set), i, err)
			}
		}
	}
}

// readSet reads kind_0.pb, kind_1.pb, ... of a reference data set.
func readSet(set, kind string) ([]*tensor.Tensor, error) {
	var out []*tensor.Tensor
	for i := 0; ; i++ {
		path := filepath.Join(set, fmt.Sprintf("%s_%d.pb", kind, i))
		if _, err := os.Stat(path); err != nil {
			return out, nil
		}
		x, err := readTensorProto(path)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
}

// closeEnough compares with ONNX's backend-test tolerance for floats (rtol 1e-3, atol 1e-5) and
// exactly for everything else.
func closeEnough(got, want *tensor.Tensor) error {
	if got.DType != want.DType || fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) {
		return fmt.Errorf("got %s %v, want %s %v", got.DType, got.Shape, want.DType, want.Shape)
	}
	if !got.DType.IsFloat() {
		if !got.Equal(want) {
			return fmt.Errorf("values differ")
		}
		return nil
	}
	n, _ := tensor.NumElements(got.Shape)
	for i := 0; i < int(n); i++ {
		g, w := got.FloatAt(i), want.FloatAt(i)
		if math.IsNaN(w) && math.IsNaN(g) {
			continue
		}
		if math.Abs(g-w) > 1e-5+1e-3*math.Abs(w) {
			return fmt.Errorf("element %d: got %g, want %g", i, g, w)
		}
	}
	return nil
}

// minOpset is the oldest default-domain opset ONNX Runtime 1.30 supports; older models run only where
// their operators' versions are still implemented.
const minOpset = 7

// modelSupport returns a model's default-domain opset and why ONNX Runtime cannot run it for
// inference at all, or "".
func modelSupport(t *testing.T, path string) (int64, string) {
	opsets, err := modelOpsets(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := opsets["ai.onnx.preview.training"]; ok {
		return opsets[""], "uses ai.onnx.preview.training (Gradient), which ONNX Runtime's inference build does not have"
	}
	return opsets[""], ""
}

// hasLocale reports whether glibc has a locale whose name starts with prefix (locale -a).
func hasLocale(prefix string) bool {
	out, err := exec.Command("locale", "-a").Output()
	return err == nil && strings.Contains(string(out), prefix)
}
