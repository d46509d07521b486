package client

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// nameOnRange returns a name whose key (after prefix) hashes into clusterRanges[i].
func nameOnRange(t *testing.T, base, prefix string, i int) string {
	t.Helper()
	r := clusterRanges[i]
	for n := 0; n < 100000; n++ {
		name := fmt.Sprintf("%s%d", base, n)
		if s := keySlot(prefix + name); s >= r.Start && s <= r.End {
			return name
		}
	}
	t.Fatalf("no name for range %v", r)
	return ""
}

// onNode reports whether key is stored on the node at addr, asking that node directly.
func onNode(t *testing.T, addr, key string) bool {
	t.Helper()
	node := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
	defer node.Close()
	n, err := node.Exists(context.Background(), key).Result()
	if err != nil && strings.HasPrefix(err.Error(), "MOVED") {
		return false
	}
	if err != nil {
		t.Fatalf("EXISTS %q on %s: %v", key, addr, err)
	}
	return n == 1
}

func totalKeys(t *testing.T, addrs []string) int64 {
	t.Helper()
	var sum int64
	for _, a := range addrs {
		node := redis.NewClient(&redis.Options{Addr: a, Protocol: 2, DisableIdentity: true})
		n, err := node.DBSize(context.Background()).Result()
		node.Close()
		if err != nil {
			t.Fatal(err)
		}
		sum += n
	}
	return sum
}

func TestClusterTensorsLandOnEveryShard(t *testing.T) {
	addrs := startCluster(t)
	c := connect(t, Options{Addrs: addrs[:1], Cluster: true, KeyOut: "p0", KeyIn: []string{"p0"}})
	ctx := testContext(t)
	if !c.IsCluster() || len(c.Nodes()) != 3 {
		t.Fatalf("cluster client sees nodes %v", c.Nodes())
	}
	for i, addr := range addrs {
		name := nameOnRange(t, "t", "p0.", i)
		must(t, PutValues(ctx, c, name, []int64{2}, []int64{int64(i), -1}))
		if !onNode(t, addr, "p0."+name) {
			t.Errorf("tensor %q is not on shard %d (%s)", name, i, addr)
		}
		checkValues(t, c, name, []int64{int64(i), -1})
		checkExists(t, c, name, true)
	}
	// Rename across shards: copy, then unlink the source.
	from, to := nameOnRange(t, "from", "p0.", 0), nameOnRange(t, "to", "p0.", 2)
	must(t, PutValues(ctx, c, from, []int64{1}, []float32{3}))
	must(t, c.RenameTensor(ctx, from, to))
	checkExists(t, c, from, false)
	checkValues(t, c, to, []float32{3})
	if !onNode(t, addrs[2], "p0."+to) {
		t.Error("renamed tensor is not on shard 2")
	}
	must(t, c.DeleteTensor(ctx, to))
	checkExists(t, c, to, false)
}

func TestClusterModelsAndScriptsAreStoredOnEveryShard(t *testing.T) {
	addrs := startCluster(t)
	c := connect(t, Options{Addrs: addrs, Cluster: true})
	ctx := testContext(t)
	blob := bytes.Repeat([]byte{1, 2, 3, 0}, 300)
	must(t, c.SetModelChunkSize(ctx, 500))
	must(t, c.SetModel(ctx, "m", blob, "ONNX", "CPU", ModelOptions{}))
	must(t, c.SetScript(ctx, "s", "CPU", "def f(a):\n    return a\n"))
	for i, addr := range addrs {
		p := shardPrefix(clusterRanges[i].Start)
		for _, k := range []string{"{" + p + "}.m", "{" + p + "}.s"} {
			if !onNode(t, addr, k) {
				t.Errorf("%q is not on shard %d", k, i)
			}
		}
	}
	got, err := c.GetModel(ctx, "m")
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("GetModel = %d bytes, %v", len(got), err)
	}
	if src, err := c.GetScript(ctx, "s"); err != nil || src != "def f(a):\n    return a\n" {
		t.Errorf("GetScript = %q, %v", src, err)
	}
	if ok, err := c.ModelExists(ctx, "m"); err != nil || !ok {
		t.Errorf("ModelExists = %v, %v", ok, err)
	}
	for _, addr := range c.Addrs() {
		info, err := c.GetAIInfo(ctx, addr, "m", false)
		if err != nil || len(info) == 0 || info[0].Name != "key" {
			t.Errorf("AI.INFO on %s: %v, %v", addr, info, err)
		}
	}
	// Run on an input held by the last shard: inputs are copied beside that shard's model copy, the
	// server's error comes back, and no temporary key is left behind.
	in := nameOnRange(t, "in", "", 2)
	must(t, PutValues(ctx, c, in, []int64{1, 2}, []float32{1, 2}))
	before := totalKeys(t, addrs)
	err = c.RunModel(ctx, "m", []string{in}, []string{"out"})
	if err == nil || !strings.Contains(err.Error(), "ERR Backend not loaded: ONNX") {
		t.Errorf("RunModel on a cluster: %v", err)
	}
	// The script runs beside the shard's copy; its output lands where "out" hashes.
	if err := c.RunScript(ctx, "s", "f", []string{in}, []string{"out"}); err != nil {
		t.Errorf("RunScript on a cluster: %v", err)
	}
	checkValues(t, c, "out", []float32{1, 2})
	must(t, c.DeleteTensor(ctx, "out"))
	if after := totalKeys(t, addrs); after != before {
		t.Errorf("%d keys before the runs, %d after: temporary keys were left", before, after)
	}
	must(t, c.DeleteModel(ctx, "m"))
	must(t, c.DeleteScript(ctx, "s"))
	if n := totalKeys(t, addrs); n != 1 {
		t.Errorf("%d keys left after deleting the model and script everywhere, want 1 (the input)", n)
	}
}

func TestClusterDatasetsAndListsAcrossShards(t *testing.T) {
	addrs := startCluster(t)
	c := connect(t, Options{Addrs: addrs, Cluster: true})
	ctx := testContext(t)
	var put []*Dataset
	for i := range addrs {
		name := nameOnRange(t, "ds", "", i)
		ds := sampleDataset(t, name, int64(i))
		must(t, c.PutDataset(ctx, ds))
		must(t, c.AppendToList(ctx, "all", ds))
		if !onNode(t, addrs[i], "{"+name+"}.meta") || !onNode(t, addrs[i], "{"+name+"}.u") {
			t.Errorf("dataset %q is not on shard %d", name, i)
		}
		put = append(put, ds)
	}
	got, err := c.GetDatasetsFromList(ctx, "all")
	must(t, err)
	if len(got) != len(put) {
		t.Fatalf("%d datasets, want %d", len(got), len(put))
	}
	for i := range put {
		checkSameDataset(t, put[i], got[i])
	}
	must(t, c.DeleteDataset(ctx, put[1].Name))
	if ok, _ := c.DatasetExists(ctx, put[1].Name); ok {
		t.Error("dataset still exists after DeleteDataset")
	}
}

func TestClusterRefusesUnixSockets(t *testing.T) {
	_, err := New(Options{Addrs: []string{"unix:///tmp/x.sock"}, Cluster: true})
	if err == nil || !strings.Contains(err.Error(), "a unix socket cannot address a cluster") {
		t.Errorf("cluster over a unix socket: %v", err)
	}
}
