package orchestrator

import (
	"fmt"

	"github.com/ssrun/ssrun/orchestrator/ai"
	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/orchestrator/persist"
)

// persistValue converts a stored value to the files' neutral form. It shares the value's bytes (both
// are immutable).
func persistValue(v command.Value) (persist.Value, error) {
	switch x := v.(type) {
	case *stringValue:
		return persist.Value{Kind: persist.KindString, Bytes: x.b}, nil
	case *listValue:
		return persist.Value{Kind: persist.KindList, Items: x.elements(0, x.Len()-1)}, nil
	case *hashValue:
		items := make([][]byte, 0, 2*len(x.fields))
		for i, f := range x.fields {
			items = append(items, []byte(f), x.values[i])
		}
		return persist.Value{Kind: persist.KindHash, Items: items}, nil
	case ai.TensorValue:
		return persist.Value{Kind: persist.KindTensor, Tensor: x.Tensor}, nil
	case *ai.ModelValue:
		return persist.Value{Kind: persist.KindModel, Model: &persist.Model{
			Backend: x.Backend, Device: x.Device, Tag: x.Tag, BatchSize: x.BatchSize,
			MinBatchSize: x.MinBatchSize, MinBatchTimeout: x.MinBatchTimeout, Adaptive: x.AdaptiveWait,
			Inputs: x.Inputs, Outputs: x.Outputs, IOKnown: x.IOKnown, Blob: x.Blob}}, nil
	case *ai.ScriptValue:
		return persist.Value{Kind: persist.KindScript, Script: &persist.Script{
			Device: x.Device, Tag: x.Tag, EntryPoints: x.EntryPoints, Source: x.Source}}, nil
	}
	return persist.Value{}, fmt.Errorf("cannot persist a value of type %s", v.TypeName())
}

// restoreValue stores a loaded value at key. Models and scripts go through the AI module's own store
// path, so they are prepared by their backend and compiled again exactly as MODELSTORE and
// SCRIPTSTORE would; an error there (a script that no longer compiles) stops the load.
func (s *Server) restoreValue(key []byte, v persist.Value) error {
	switch v.Kind {
	case persist.KindString:
		s.keys.restore(key, &stringValue{b: v.Bytes})
	case persist.KindList:
		s.keys.restore(key, fromElements(v.Items))
	case persist.KindHash:
		h := newHashValue()
		for i := 0; i+1 < len(v.Items); i += 2 {
			h.set(v.Items[i], v.Items[i+1])
		}
		s.keys.restore(key, h)
	case persist.KindTensor:
		s.keys.restore(key, ai.TensorValue{Tensor: v.Tensor})
	case persist.KindModel:
		m := v.Model
		return s.ai.Restore(s.keys, key, &ai.ModelValue{Backend: m.Backend, Device: m.Device, Tag: m.Tag,
			BatchSize: m.BatchSize, MinBatchSize: m.MinBatchSize, MinBatchTimeout: m.MinBatchTimeout,
			AdaptiveWait: m.Adaptive, Inputs: m.Inputs, Outputs: m.Outputs, IOKnown: m.IOKnown, Blob: m.Blob})
	case persist.KindScript:
		sc := v.Script
		return s.ai.Restore(s.keys, key, &ai.ScriptValue{Device: sc.Device, Tag: sc.Tag,
			EntryPoints: sc.EntryPoints, Source: sc.Source})
	default:
		return fmt.Errorf("cannot restore a value of kind %v", v.Kind)
	}
	return nil
}
