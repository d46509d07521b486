package ai

import (
	"context"
	"errors"
	"fmt"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// Restore stores a model or script read back from a snapshot or log through the same path as
// MODELSTORE and SCRIPTSTORE: the model is prepared by its backend (or its ONNX input and output names
// read again), the script compiled, run statistics registered and the device's queue created. The
// error is the reply MODELSTORE or SCRIPTSTORE would have sent.
func (m *Module) Restore(ks command.Keyspace, key []byte, v command.Value) error {
	rec := &errorReply{}
	ctx := &command.Ctx{Context: context.Background(), Keys: ks, Reply: rec}
	switch x := v.(type) {
	case *ModelValue:
		m.storeModel(ctx, key, x)
	case *ScriptValue:
		m.storeScript(ctx, key, x)
	default:
		return fmt.Errorf("not a model or script: %s", v.TypeName())
	}
	if rec.err != "" {
		return errors.New(rec.err)
	}
	return nil
}

// errorReply keeps the error a store path answers and ignores its +OK.
type errorReply struct{ err string }

func (r *errorReply) SimpleString(string) {}
func (r *errorReply) Error(msg string)    { r.err = msg }
func (r *errorReply) Int(int64)           {}
func (r *errorReply) Bulk([]byte)         {}
func (r *errorReply) BulkString(string)   {}
func (r *errorReply) Null()               {}
func (r *errorReply) Array(int)           {}
func (r *errorReply) NullArray()          {}
