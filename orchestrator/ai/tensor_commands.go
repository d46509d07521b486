package ai

import (
	"bytes"
	"math"

	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/tensor"
)

// tensorSet is AI.TENSORSET key type dim... [BLOB data | VALUES v...].
func (m *Module) tensorSet(ctx *command.Ctx, args [][]byte) {
	if len(args) < 4 {
		replyErr(ctx.Reply, wrongArity(args[0]))
		return
	}
	if holdsOtherType(ctx.Keys, args[1], TensorTypeName) {
		ctx.Reply.Error(command.WrongType)
		return
	}
	t, err := parseTensorSet(args)
	if err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	// Every path of parseTensorSet gives the tensor data of its own (the BLOB argument itself, or a
	// fresh buffer), which the handler keeps nowhere else.
	if err := ctx.Keys.PutOwned(args[1], TensorValue{t}); err != nil {
		replyPutError(ctx.Reply, err)
		return
	}
	ctx.Reply.SimpleString("OK")
}

// parseTensorSet builds the tensor of AI.TENSORSET args (args[0] is the command, args[1] the key), with
// RedisAI's checks in its order: type, each dimension, then the data.
func parseTensorSet(args [][]byte) (*tensor.Tensor, error) {
	if len(args) < 4 {
		return nil, wrongArityInDAG("AI.TENSORSET") // sic: no ERR inside a DAG
	}
	dtype, ok := tensor.ParseDType(string(args[2]))
	if !ok {
		return nil, tensor.ErrInvalidDType
	}
	shape := []int64{}
	count := int64(1)
	for pos := 3; pos < len(args); pos++ {
		switch {
		case isWord(args[pos], "BLOB"):
			if len(args)-1-pos != 1 {
				return nil, replyError(errSingleBlob)
			}
			// The blob is kept without a copy: the server hands each argument over as a fresh
			// allocation the handler owns (orchestrator's request reader guarantees it), and
			// copying a large tensor again would halve TENSORSET's throughput.
			t, err := tensor.New(dtype, shape, args[pos+1])
			if err != nil {
				return nil, err
			}
			return t, nil
		case isWord(args[pos], "VALUES"):
			if int64(len(args)-1-pos) != count {
				return nil, tensor.ErrValueCount
			}
			t, err := tensor.ParseValues(dtype, shape, args[pos+1:])
			if err != nil {
				return nil, err
			}
			return t, nil
		default:
			d, ok := parseLongLong(args[pos])
			if !ok || d <= 0 {
				return nil, tensor.ErrInvalidShape
			}
			if count > tensor.MaxElements/d {
				return nil, replyError("ERR tensor shape is too large")
			}
			count *= d
			shape = append(shape, d)
		}
	}
	if size := max(int64(dtype.Size()), 1); count > maxZeroTensorBytes/size {
		return nil, replyError("ERR tensor shape is too large")
	}
	t, err := tensor.Zeros(dtype, shape)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// maxZeroTensorBytes bounds the tensor AI.TENSORSET allocates when given neither BLOB nor VALUES, so
// that a few bytes of request cannot make the server allocate gigabytes; it is Redis's default
// proto-max-bulk-len, the largest tensor a BLOB could carry.
const maxZeroTensorBytes = 512 << 20

// Formats of AI.TENSORGET.
const (
	fmtMeta = 1 << iota
	fmtBlob
	fmtValues
)

// tensorGet is AI.TENSORGET key [META] [BLOB|VALUES]; the key is checked before the format words.
func (m *Module) tensorGet(ctx *command.Ctx, args [][]byte) {
	if len(args) < 2 || len(args) > 4 {
		replyErr(ctx.Reply, wrongArity(args[0]))
		return
	}
	t, err := getTensor(ctx.Keys, args[1])
	if err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	format, err := parseTensorGetFormat(args)
	if err != nil {
		replyErr(ctx.Reply, err)
		return
	}
	replyTensor(ctx.Reply, t, format)
}

func parseTensorGetFormat(args [][]byte) (int, error) {
	if len(args) < 2 || len(args) > 4 {
		return 0, wrongArityInDAG("AI.TENSORGET")
	}
	if len(args) == 2 {
		return fmtMeta | fmtBlob, nil
	}
	format := 0
	for _, w := range args[2:] {
		switch {
		case isWord(w, "BLOB"):
			format |= fmtBlob
		case isWord(w, "VALUES"):
			format |= fmtValues
		case isWord(w, "META"):
			format |= fmtMeta
		default:
			return 0, replyError(errUnsupportedFormat)
		}
	}
	if format&fmtBlob != 0 && format&fmtValues != 0 {
		return 0, replyError(errBlobAndValues)
	}
	return format, nil
}

// replyTensor writes RedisAI's layouts: a bare blob or value array without META, otherwise the
// dtype/shape map followed by the blob or values when asked.
func replyTensor(r command.Reply, t *tensor.Tensor, format int) {
	if format&fmtMeta == 0 {
		if format&fmtBlob != 0 {
			r.Bulk(t.Data)
			return
		}
		if format&fmtValues != 0 {
			replyValues(r, t)
			return
		}
	}
	n := 4
	if format&(fmtBlob|fmtValues) != 0 {
		n += 2
	}
	r.Array(n)
	r.BulkString("dtype")
	r.BulkString(t.DType.String())
	r.BulkString("shape")
	r.Array(len(t.Shape))
	for _, d := range t.Shape {
		r.Int(d)
	}
	switch {
	case format&fmtBlob != 0:
		r.BulkString("blob")
		r.Bulk(t.Data)
	case format&fmtValues != 0:
		r.BulkString("values")
		replyValues(r, t)
	}
}

// replyValues answers floats as RESP2 doubles (bulk strings, %.17g), integers and BOOL as integers,
// and STRING elements as bulk strings without their NUL.
func replyValues(r command.Reply, t *tensor.Tensor) {
	switch {
	case t.DType == tensor.String:
		parts := t.Strings()
		r.Array(len(parts))
		for _, p := range parts {
			r.Bulk(p)
		}
	case t.DType.IsFloat():
		n := t.Len()
		r.Array(n)
		for i := 0; i < n; i++ {
			r.BulkString(tensor.FormatDouble(t.FloatAt(i)))
		}
	default:
		n := t.Len()
		r.Array(n)
		for i := 0; i < n; i++ {
			r.Int(t.IntAt(i))
		}
	}
}

// isWord compares a keyword case-insensitively, as RedisAI's strcasecmp does.
func isWord(arg []byte, word string) bool { return bytes.EqualFold(arg, []byte(word)) }

// parseLongLong is Redis's string2ll (RedisModule_StringToLongLong).
func parseLongLong(b []byte) (int64, bool) { return tensor.ParseLongLong(b) }

// acLongLong is RedisAI's ArgsCursor integer: an integer, or a double with an integral value ("3.0").
func acLongLong(b []byte) (int64, bool) {
	if n, ok := tensor.ParseLongLong(b); ok {
		return n, true
	}
	f, ok := tensor.ParseDouble(b)
	if !ok || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// parseUnsigned is RedisAI's AC_GetUnsignedLongLong: a non-negative integer.
func parseUnsigned(b []byte) (uint64, bool) {
	n, ok := acLongLong(b)
	if !ok || n < 0 {
		return 0, false
	}
	return uint64(n), true
}
