package client

import (
	"strings"
	"testing"
	"time"
)

// The key-prefixing example of SmartSim: two producers write "tensor" under their own SSKEYOUT, a
// consumer reading both (SSKEYIN) switches between them with SetDataSource.
func TestProducersAndConsumerWithEnsemblePrefixes(t *testing.T) {
	addr := startStandalone(t)
	ctx := testContext(t)
	for i, p := range []string{"producer_0", "producer_1"} {
		prod := connect(t, Options{Addrs: []string{addr}, KeyOut: p})
		must(t, PutValues(ctx, prod, "tensor", []int64{2}, []float32{float32(i), float32(i) + 0.5}))
	}
	cons := connect(t, Options{Addrs: []string{addr}, KeyIn: []string{"producer_0", "producer_1"}, KeyOut: "consumer"})
	for i, p := range []string{"producer_0", "producer_1"} {
		must(t, cons.SetDataSource(p))
		ok, err := cons.PollTensor(ctx, "tensor", 10*time.Millisecond, 10)
		if err != nil || !ok {
			t.Fatalf("%s: poll = %v, %v", p, ok, err)
		}
		checkValues(t, cons, "tensor", []float32{float32(i), float32(i) + 0.5})
		if ok, _ := cons.KeyExists(ctx, p+".tensor"); !ok {
			t.Errorf("the producer's key %q is not on the wire", p+".tensor")
		}
	}
	if err := cons.SetDataSource("producer_2"); err == nil || !strings.Contains(err.Error(), "not in SSKEYIN (producer_0,producer_1)") {
		t.Errorf("unknown data source: %v", err)
	}
	// Reads use the source, writes SSKEYOUT: copying lands in consumer.copy.
	must(t, cons.CopyTensor(ctx, "tensor", "copy"))
	if ok, _ := cons.KeyExists(ctx, "consumer.copy"); !ok {
		t.Error("CopyTensor did not write consumer.copy")
	}
	// With tensor prefixing off, names are literal.
	cons.UseTensorEnsemblePrefix(false)
	if ok, _ := cons.TensorExists(ctx, "producer_0.tensor"); !ok {
		t.Error("with prefixing off, the full key is not found")
	}
}

func TestPrefixScopesFollowSmartRedisDefaults(t *testing.T) {
	addr := startStandalone(t)
	ctx := testContext(t)
	c := connect(t, Options{Addrs: []string{addr}, KeyOut: "p0", KeyIn: []string{"p0"}})
	ds := NewDataset("d")
	must(t, ds.AddMetaString("k", "v"))
	must(t, c.PutDataset(ctx, ds))
	must(t, c.AppendToList(ctx, "L", ds))
	must(t, c.SetModel(ctx, "m", []byte("model bytes"), "ONNX", "CPU", ModelOptions{}))
	must(t, c.SetScript(ctx, "s", "CPU", "def f(a):\n    return a\n"))
	// Wire keys as SmartRedis writes them with SSKEYOUT=p0: datasets and lists prefixed (the prefix
	// outside the hash tag), models and scripts not.
	for _, k := range []string{"p0.{d}.meta", "p0.L", "m", "s"} {
		if ok, _ := c.KeyExists(ctx, k); !ok {
			t.Errorf("key %q missing", k)
		}
	}
	if v, _ := c.do(ctx, "LRANGE", "p0.L", 0, -1).StringSlice(); len(v) != 1 || v[0] != "p0.{d}" {
		t.Errorf("list entries %q, want [p0.{d}]", v)
	}
	c.UseModelEnsemblePrefix(true)
	must(t, c.SetModel(ctx, "m2", []byte("x"), "TORCH", "CPU", ModelOptions{}))
	if ok, _ := c.KeyExists(ctx, "p0.m2"); !ok {
		t.Error("with model prefixing on, p0.m2 is missing")
	}
	if ok, err := c.ModelExists(ctx, "m2"); err != nil || !ok {
		t.Errorf("ModelExists(m2) with prefixing = %v, %v", ok, err)
	}
	c.UseDatasetEnsemblePrefix(false)
	c.UseListEnsemblePrefix(false)
	must(t, c.PutDataset(ctx, ds))
	must(t, c.AppendToList(ctx, "L", ds))
	for _, k := range []string{"{d}.meta", "L"} {
		if ok, _ := c.KeyExists(ctx, k); !ok {
			t.Errorf("with prefixing off, key %q missing", k)
		}
	}
}
