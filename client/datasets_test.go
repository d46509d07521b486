package client

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ssrun/ssrun/tensor"
)

// sampleDataset has two tensors and metadata of several types.
func sampleDataset(t *testing.T, name string, step int64) *Dataset {
	t.Helper()
	ds := NewDataset(name)
	u, _ := tensor.FromFloat64([]int64{2, 2}, []float64{1, 2, 3, float64(step)})
	v, _ := tensor.FromInt32([]int64{3}, []int32{-1, 0, 1})
	must(t, ds.AddTensor("u", u))
	must(t, ds.AddTensor("v", v))
	must(t, ds.AddMetaScalar("step", step))
	must(t, ds.AddMetaScalar("dt", 0.5))
	must(t, ds.AddMetaScalar("dt", 0.25))
	must(t, ds.AddMetaString("units", "m/s"))
	return ds
}

func checkSameDataset(t *testing.T, want, got *Dataset) {
	t.Helper()
	if got.Name != want.Name {
		t.Errorf("name %q, want %q", got.Name, want.Name)
	}
	if diff := cmp.Diff(want.TensorNames(), got.TensorNames()); diff != "" {
		t.Errorf("tensor names (-want +got):\n%s", diff)
	}
	for _, n := range want.TensorNames() {
		a, _ := want.Tensor(n)
		b, err := got.Tensor(n)
		if err != nil || !a.Equal(b) {
			t.Errorf("tensor %q: got %v (%v), want %v", n, b, err, a)
		}
	}
	if diff := cmp.Diff(want.MetaNames(), got.MetaNames(), sortStrings); diff != "" {
		t.Errorf("metadata names (-want +got):\n%s", diff)
	}
	for _, n := range want.MetaNames() {
		wt, _ := want.MetaTypeOf(n)
		if wt == MetaString {
			a, _ := want.MetaStrings(n)
			b, err := got.MetaStrings(n)
			if err != nil || !cmp.Equal(a, b) {
				t.Errorf("metadata %q: got %v (%v), want %v", n, b, err, a)
			}
			continue
		}
		a, _ := want.MetaScalars(n)
		b, err := got.MetaScalars(n)
		if err != nil || !cmp.Equal(a, b) {
			t.Errorf("metadata %q: got %v (%v), want %v", n, b, err, a)
		}
	}
}

var sortStrings = cmp.Transformer("sort", func(in []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range in {
		m[s] = true
	}
	return m
})

func TestDatasetRoundTripWithSmartRedisKeys(t *testing.T) {
	c := connect(t, Options{Addrs: []string{startStandalone(t)}})
	ctx := testContext(t)
	ds := sampleDataset(t, "ds1", 7)
	must(t, c.PutDataset(ctx, ds))
	// SmartRedis's layout: {name}.meta hash marked complete, {name}.<tensor> tensors.
	for _, k := range []string{"{ds1}.meta", "{ds1}.u", "{ds1}.v"} {
		if ok, err := c.KeyExists(ctx, k); err != nil || !ok {
			t.Errorf("key %q exists = %v, %v", k, ok, err)
		}
	}
	if v, err := c.do(ctx, "HGET", "{ds1}.meta", "step").Text(); err != nil || v != "\x04\x07\x00\x00\x00\x00\x00\x00\x00" {
		t.Errorf("HGET step = %q, %v", v, err)
	}
	if ok, err := c.DatasetExists(ctx, "ds1"); err != nil || !ok {
		t.Errorf("DatasetExists = %v, %v", ok, err)
	}
	if ok, err := c.PollDataset(ctx, "ds1", time.Millisecond, 2); err != nil || !ok {
		t.Errorf("PollDataset = %v, %v", ok, err)
	}
	got, err := c.GetDataset(ctx, "ds1")
	must(t, err)
	checkSameDataset(t, ds, got)

	must(t, c.DeleteDataset(ctx, "ds1"))
	if n, err := c.do(ctx, "DBSIZE").Int64(); err != nil || n != 0 {
		t.Errorf("after DeleteDataset DBSIZE = %d, %v", n, err)
	}
	if _, err := c.GetDataset(ctx, "ds1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetDataset of a deleted dataset: %v", err)
	}
	if err := c.DeleteDataset(ctx, "ds1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteDataset of a deleted dataset: %v", err)
	}
}

func TestDatasetWithoutTensorsOrMetadata(t *testing.T) {
	c := connect(t, Options{Addrs: []string{startStandalone(t)}})
	ctx := testContext(t)
	must(t, c.PutDataset(ctx, NewDataset("empty")))
	got, err := c.GetDataset(ctx, "empty")
	must(t, err)
	if len(got.TensorNames()) != 0 || len(got.MetaNames()) != 0 {
		t.Errorf("empty dataset came back with %v %v", got.TensorNames(), got.MetaNames())
	}
}

func TestAggregationListsOfDatasets(t *testing.T) {
	c := connect(t, Options{Addrs: []string{startStandalone(t)}})
	ctx := testContext(t)
	var put []*Dataset
	for i := int64(0); i < 3; i++ {
		ds := sampleDataset(t, "sample_"+string(rune('a'+i)), i)
		must(t, c.PutDataset(ctx, ds))
		must(t, c.AppendToList(ctx, "samples", ds))
		put = append(put, ds)
	}
	if n, err := c.GetListLength(ctx, "samples"); err != nil || n != 3 {
		t.Fatalf("GetListLength = %d, %v", n, err)
	}
	if ok, err := c.PollListLength(ctx, "samples", 3, time.Millisecond, 2); err != nil || !ok {
		t.Errorf("PollListLength = %v, %v", ok, err)
	}
	got, err := c.GetDatasetsFromList(ctx, "samples")
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("%d datasets from the list, want 3", len(got))
	}
	for i := range put {
		checkSameDataset(t, put[i], got[i])
	}
	tail, err := c.GetDatasetListRange(ctx, "samples", -2, -1)
	must(t, err)
	if len(tail) != 2 || tail[0].Name != "sample_b" || tail[1].Name != "sample_c" {
		t.Errorf("range -2..-1 = %d datasets", len(tail))
	}
	must(t, c.DeleteList(ctx, "samples"))
	if n, err := c.GetListLength(ctx, "samples"); err != nil || n != 0 {
		t.Errorf("length after DeleteList = %d, %v", n, err)
	}
	if ok, _ := c.DatasetExists(ctx, "sample_a"); !ok {
		t.Error("DeleteList deleted the datasets too")
	}
}

func TestCopyAndRenameDatasetsAndLists(t *testing.T) {
	addrs := startCluster(t)
	c := connect(t, Options{Addrs: addrs, Cluster: true, KeyOut: "out", KeyIn: []string{"out"}})
	ctx := testContext(t)
	src := nameOnRange(t, "src", "", 0)
	dst := nameOnRange(t, "dst", "", 2) // another shard
	ds := sampleDataset(t, src, 3)
	must(t, c.PutDataset(ctx, ds))
	must(t, c.CopyDataset(ctx, src, dst))
	got, err := c.GetDataset(ctx, dst)
	must(t, err)
	ds.Name = dst
	checkSameDataset(t, ds, got)
	ds.Name = src
	must(t, c.RenameDataset(ctx, src, "renamed"))
	if ok, _ := c.DatasetExists(ctx, src); ok {
		t.Error("the renamed dataset still exists under its old name")
	}
	got, err = c.GetDataset(ctx, "renamed")
	must(t, err)
	ds.Name = "renamed"
	checkSameDataset(t, ds, got)
	if err := c.CopyDataset(ctx, "missing", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("copying a missing dataset: %v", err)
	}

	must(t, c.AppendToList(ctx, "L", got))
	must(t, c.AppendToList(ctx, "L", got))
	must(t, c.CopyList(ctx, "L", "M"))
	if ok, err := c.PollListLengthGTE(ctx, "M", 2, time.Millisecond, 2); err != nil || !ok {
		t.Errorf("PollListLengthGTE(M, 2) = %v, %v", ok, err)
	}
	must(t, c.RenameList(ctx, "M", "N"))
	if ok, err := c.PollListLengthLTE(ctx, "M", 0, time.Millisecond, 2); err != nil || !ok {
		t.Errorf("PollListLengthLTE(M, 0) after the rename = %v, %v", ok, err)
	}
	dss, err := c.GetDatasetsFromList(ctx, "N")
	must(t, err)
	if len(dss) != 2 || dss[1].Name != "renamed" {
		t.Errorf("datasets of the renamed list: %d", len(dss))
	}
	if err := c.CopyList(ctx, "missing", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("copying a missing list: %v", err)
	}
}
