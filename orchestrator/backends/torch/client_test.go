package torch_test

import (
	"context"
	"testing"

	"github.com/ssrun/ssrun/client"
	"github.com/ssrun/ssrun/tensor"
)

// The SmartRedis workflow through ssrun's Go client: put a tensor, set a TorchScript pre-processing
// script and a TorchScript model, run the script then the model, get the result, and compare it with
// what PyTorch computes for the same chain (normalize, then the CNN) in make_models.py's terms.
func TestClientWorkflow(t *testing.T) {
	lib := library(t)
	addr := startServer(t, lib, "", 2)
	ctx := context.Background()
	c, err := client.New(client.Options{Addrs: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	e := loadExpected(t)
	cnn := e.find(t, "cnn_batch4")
	if err := c.PutTensor(ctx, "image", inputsOf(t, cnn)[0]); err != nil {
		t.Fatal(err)
	}
	if err := c.SetScriptFromFile(ctx, "prep", "CPU", "testdata/preprocess.txt"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetModelFromFile(ctx, "cnn", "testdata/cnn.pt", "TORCH", "CPU", client.ModelOptions{}); err != nil {
		t.Fatal(err)
	}
	// scale_add(image, image) is 3*image; the CNN of 3*image is computed below in-process as the
	// reference, through the backend directly (whose outputs TestModelsMatchPyTorch checks).
	if err := c.RunScript(ctx, "prep", "scale_add", []string{"image", "image"}, []string{"scaled"}); err != nil {
		t.Fatal(err)
	}
	if err := c.RunModel(ctx, "cnn", []string{"scaled"}, []string{"logits"}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetTensor(ctx, "logits")
	if err != nil {
		t.Fatal(err)
	}
	scaled, err := c.GetTensor(ctx, "scaled")
	if err != nil {
		t.Fatal(err)
	}
	image, _ := tensor.Values[float32](inputsOf(t, cnn)[0])
	s, _ := tensor.Values[float32](scaled)
	for i := range image {
		if s[i] != 3*image[i] {
			t.Fatalf("scaled[%d] = %v, want %v", i, s[i], 3*image[i])
		}
	}
	b := backend(t)
	m, err := b.Prepare(aiSpec(t, "testdata/cnn.pt"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.Run(ctx, []*tensor.Tensor{scaled})
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Data) != string(want[0].Data) {
		t.Fatal("the client's result differs from the CNN run in-process on the same input")
	}
	// And the unscaled image through the client gives PyTorch's own output.
	if err := c.RunModel(ctx, "cnn", []string{"image"}, []string{"plain"}); err != nil {
		t.Fatal(err)
	}
	plain, err := c.GetTensor(ctx, "plain")
	if err != nil {
		t.Fatal(err)
	}
	compareOutputs(t, "client cnn", []*tensor.Tensor{plain}, cnn.Outputs)
}
