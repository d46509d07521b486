package orchestrator

import (
	"github.com/ssrun/ssrun/orchestrator/command"
)

// hashAt returns the hash stored at key; a missing key is an empty hash.
func hashAt(ctx *command.Ctx, key []byte) (*hashValue, bool) {
	v, ok := ctx.Keys.Get(key)
	if !ok {
		return newHashValue(), true
	}
	h, isHash := v.(*hashValue)
	if !isHash {
		ctx.Reply.Error(command.WrongType)
		return nil, false
	}
	return h, true
}

// cmdHSet is HSET (answers the number of new fields) and HMSET (answers OK).
func cmdHSet(ctx *command.Ctx, args [][]byte) {
	if len(args)%2 != 0 {
		ctx.Reply.Error(command.WrongArity(string(args[0])))
		return
	}
	added := 0
	err := ctx.Keys.Update(args[1], func(cur command.Value, exists bool) (command.Value, bool, error) {
		var h *hashValue
		if exists {
			old, ok := cur.(*hashValue)
			if !ok {
				return nil, false, replyError(command.WrongType)
			}
			h = old.clone()
		} else {
			h = newHashValue()
		}
		added = 0
		for i := 2; i < len(args); i += 2 {
			if h.set(args[i], args[i+1]) {
				added++
			}
		}
		return h, false, nil
	})
	if err != nil {
		replyWriteError(ctx.Reply, err)
		return
	}
	if upper(string(args[0])) == "HMSET" {
		ctx.Reply.SimpleString("OK")
		return
	}
	ctx.Reply.Int(int64(added))
}

func cmdHGet(ctx *command.Ctx, args [][]byte) {
	h, ok := hashAt(ctx, args[1])
	if !ok {
		return
	}
	if v, found := h.get(args[2]); found {
		ctx.Reply.Bulk(v)
	} else {
		ctx.Reply.Null()
	}
}

func cmdHMGet(ctx *command.Ctx, args [][]byte) {
	h, ok := hashAt(ctx, args[1])
	if !ok {
		return
	}
	ctx.Reply.Array(len(args) - 2)
	for _, f := range args[2:] {
		if v, found := h.get(f); found {
			ctx.Reply.Bulk(v)
		} else {
			ctx.Reply.Null()
		}
	}
}

func cmdHGetAll(ctx *command.Ctx, args [][]byte) {
	h, ok := hashAt(ctx, args[1])
	if !ok {
		return
	}
	ctx.Reply.Array(2 * len(h.fields))
	for i, f := range h.fields {
		ctx.Reply.BulkString(f)
		ctx.Reply.Bulk(h.values[i])
	}
}

func cmdHKeys(ctx *command.Ctx, args [][]byte) {
	h, ok := hashAt(ctx, args[1])
	if !ok {
		return
	}
	ctx.Reply.Array(len(h.fields))
	for _, f := range h.fields {
		ctx.Reply.BulkString(f)
	}
}

func cmdHVals(ctx *command.Ctx, args [][]byte) {
	h, ok := hashAt(ctx, args[1])
	if !ok {
		return
	}
	ctx.Reply.Array(len(h.values))
	for _, v := range h.values {
		ctx.Reply.Bulk(v)
	}
}

func cmdHExists(ctx *command.Ctx, args [][]byte) {
	h, ok := hashAt(ctx, args[1])
	if !ok {
		return
	}
	_, found := h.get(args[2])
	ctx.Reply.Int(boolInt(found))
}

func cmdHLen(ctx *command.Ctx, args [][]byte) {
	h, ok := hashAt(ctx, args[1])
	if !ok {
		return
	}
	ctx.Reply.Int(int64(len(h.fields)))
}

// cmdHDel removes fields; the key goes away with its last field, as in Redis.
func cmdHDel(ctx *command.Ctx, args [][]byte) {
	removed := 0
	err := ctx.Keys.Update(args[1], func(cur command.Value, exists bool) (command.Value, bool, error) {
		if !exists {
			return nil, false, nil
		}
		h, ok := cur.(*hashValue)
		if !ok {
			return nil, false, replyError(command.WrongType)
		}
		nh, n := h.without(args[2:])
		removed = n
		switch {
		case n == 0:
			return nil, false, nil
		case len(nh.fields) == 0:
			return nil, true, nil
		default:
			return nh, false, nil
		}
	})
	if err != nil {
		replyWriteError(ctx.Reply, err)
		return
	}
	ctx.Reply.Int(int64(removed))
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
