package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/pflag"
	"github.com/ssrun/ssrun/client"
)

func init() {
	register(verb{name: "get-dataset", args: "NAME",
		summary: "print a dataset (tensors and metadata) as JSON; the binary metadata encoding is decoded",
		flags:   getDatasetFlags})
}

// datasetJSON is get-dataset's output: tensors as get-tensor --format json prints them, metadata
// fields by name with their SmartRedis type.
type datasetJSON struct {
	Name     string                `json:"name"`
	Tensors  map[string]tensorJSON `json:"tensors"`
	Metadata map[string]metaJSON   `json:"metadata"`
}

type metaJSON struct {
	Type   string `json:"type"`
	Values any    `json:"values"`
}

func getDatasetFlags(fs *pflag.FlagSet) func(context.Context, *env, []string) error {
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 1 {
			return usagef("want exactly one dataset NAME")
		}
		c, err := e.open()
		if err != nil {
			return err
		}
		ds, err := c.GetDataset(ctx, args[0])
		if err != nil {
			return err
		}
		out, err := datasetToJSON(ds)
		if err != nil {
			return err
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", b)
		return err
	}
}

func datasetToJSON(ds *client.Dataset) (*datasetJSON, error) {
	out := &datasetJSON{Name: ds.Name, Tensors: map[string]tensorJSON{}, Metadata: map[string]metaJSON{}}
	for _, n := range ds.TensorNames() {
		t, err := ds.Tensor(n)
		if err != nil {
			return nil, err
		}
		tj, err := toTensorJSON(t)
		if err != nil {
			return nil, err
		}
		out.Tensors[n] = tj
	}
	for _, n := range ds.MetaNames() {
		typ, _ := ds.MetaTypeOf(n)
		var vals any
		var err error
		if typ == client.MetaString {
			vals, err = ds.MetaStrings(n)
		} else {
			vals, err = ds.MetaScalars(n)
		}
		if err != nil {
			return nil, err
		}
		out.Metadata[n] = metaJSON{Type: typ.String(), Values: vals}
	}
	return out, nil
}
