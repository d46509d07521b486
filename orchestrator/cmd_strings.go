package orchestrator

import (
	"math"
	"strconv"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// stringAt returns the string stored at key; wrongType is set when the key holds another type.
func stringAt(ks command.Keyspace, key []byte) (v *stringValue, ok, wrongType bool) {
	val, found := ks.Get(key)
	if !found {
		return nil, false, false
	}
	sv, isString := val.(*stringValue)
	return sv, isString, !isString
}

func cmdGet(ctx *command.Ctx, args [][]byte) {
	v, ok, wrong := stringAt(ctx.Keys, args[1])
	switch {
	case wrong:
		ctx.Reply.Error(command.WrongType)
	case !ok:
		ctx.Reply.Null()
	default:
		ctx.Reply.Bulk(v.b)
	}
}

// cmdSet is SET key value [NX|XX] [GET]. Expiry options are refused with a clear error: this server
// keeps no TTLs, and silently ignoring one would keep data a caller expects to vanish.
func cmdSet(ctx *command.Ctx, args [][]byte) {
	if len(args) == 3 { // the common case needs no read-modify-write
		// The value is the request's own argument, kept nowhere else.
		if err := ctx.Keys.PutOwned(args[1], &stringValue{b: args[2]}); err != nil {
			replyWriteError(ctx.Reply, err)
			return
		}
		ctx.Reply.SimpleString("OK")
		return
	}
	var nx, xx, get bool
	for _, opt := range args[3:] {
		switch upper(string(opt)) {
		case "NX":
			nx = true
		case "XX":
			xx = true
		case "GET":
			get = true
		case "KEEPTTL":
		case "EX", "PX", "EXAT", "PXAT":
			ctx.Reply.Error("ERR ssrun db does not support key expiry (SET " + upper(string(opt)) + ")")
			return
		default:
			ctx.Reply.Error(errSyntax)
			return
		}
	}
	if nx && xx {
		ctx.Reply.Error(errSyntax)
		return
	}
	nv := &stringValue{b: args[2]}
	var old []byte
	var hadOld, stored bool
	err := ctx.Keys.Update(args[1], func(cur command.Value, exists bool) (command.Value, bool, error) {
		if exists {
			sv, isString := cur.(*stringValue)
			if get && !isString {
				return nil, false, replyError(command.WrongType)
			}
			if isString {
				old, hadOld = sv.b, true
			}
		}
		if (nx && exists) || (xx && !exists) {
			return nil, false, nil
		}
		stored = true
		return nv, false, nil
	})
	switch {
	case err != nil:
		replyWriteError(ctx.Reply, err)
	case get && hadOld:
		ctx.Reply.Bulk(old)
	case get:
		ctx.Reply.Null()
	case stored:
		ctx.Reply.SimpleString("OK")
	default:
		ctx.Reply.Null()
	}
}

func cmdSetNX(ctx *command.Ctx, args [][]byte) {
	stored := false
	err := ctx.Keys.Update(args[1], func(_ command.Value, exists bool) (command.Value, bool, error) {
		if exists {
			return nil, false, nil
		}
		stored = true
		return &stringValue{b: args[2]}, false, nil
	})
	if err != nil {
		replyWriteError(ctx.Reply, err)
		return
	}
	ctx.Reply.Int(boolInt(stored))
}

func cmdMGet(ctx *command.Ctx, args [][]byte) {
	ctx.Reply.Array(len(args) - 1)
	for _, k := range args[1:] {
		if v, ok, _ := stringAt(ctx.Keys, k); ok {
			ctx.Reply.Bulk(v.b)
		} else {
			ctx.Reply.Null()
		}
	}
}

func cmdMSet(ctx *command.Ctx, args [][]byte) {
	if len(args)%2 != 1 {
		ctx.Reply.Error(command.WrongArity("MSET"))
		return
	}
	for i := 1; i < len(args); i += 2 {
		if err := ctx.Keys.Put(args[i], &stringValue{b: args[i+1]}); err != nil {
			replyWriteError(ctx.Reply, err)
			return
		}
	}
	ctx.Reply.SimpleString("OK")
}

// cmdIncr is INCR, DECR, INCRBY and DECRBY, with Redis's overflow and type checks.
func cmdIncr(ctx *command.Ctx, args [][]byte) {
	delta := int64(1)
	name := upper(string(args[0]))
	if len(args) == 3 {
		d, ok := parseStrictInt(args[2])
		if !ok {
			ctx.Reply.Error(errNotInteger)
			return
		}
		delta = d
	}
	if name == "DECR" || name == "DECRBY" {
		if delta == math.MinInt64 {
			ctx.Reply.Error("ERR decrement would overflow")
			return
		}
		delta = -delta
	}
	var result int64
	err := ctx.Keys.Update(args[1], func(cur command.Value, exists bool) (command.Value, bool, error) {
		var n int64
		if exists {
			sv, ok := cur.(*stringValue)
			if !ok {
				return nil, false, replyError(command.WrongType)
			}
			v, ok := parseStrictInt(sv.b)
			if !ok {
				return nil, false, replyError(errNotInteger)
			}
			n = v
		}
		if (delta < 0 && n < math.MinInt64-delta) || (delta > 0 && n > math.MaxInt64-delta) {
			return nil, false, replyError("ERR increment or decrement would overflow")
		}
		result = n + delta
		return &stringValue{b: strconv.AppendInt(nil, result, 10)}, false, nil
	})
	if err != nil {
		replyWriteError(ctx.Reply, err)
		return
	}
	ctx.Reply.Int(result)
}

func cmdAppend(ctx *command.Ctx, args [][]byte) {
	var length int64
	err := ctx.Keys.Update(args[1], func(cur command.Value, exists bool) (command.Value, bool, error) {
		var old []byte
		if exists {
			sv, ok := cur.(*stringValue)
			if !ok {
				return nil, false, replyError(command.WrongType)
			}
			old = sv.b
		}
		nb := make([]byte, 0, len(old)+len(args[2]))
		nb = append(append(nb, old...), args[2]...)
		length = int64(len(nb))
		return &stringValue{b: nb}, false, nil
	})
	if err != nil {
		replyWriteError(ctx.Reply, err)
		return
	}
	ctx.Reply.Int(length)
}

func cmdStrlen(ctx *command.Ctx, args [][]byte) {
	v, ok, wrong := stringAt(ctx.Keys, args[1])
	switch {
	case wrong:
		ctx.Reply.Error(command.WrongType)
	case !ok:
		ctx.Reply.Int(0)
	default:
		ctx.Reply.Int(int64(len(v.b)))
	}
}
