package orchestrator

import (
	"github.com/ssrun/ssrun/orchestrator/command"
)

// listAt returns the list stored at key (nil when missing); it answers WRONGTYPE and returns ok=false
// when the key holds another type.
func listAt(ctx *command.Ctx, key []byte) (*listValue, bool) {
	v, found := ctx.Keys.Get(key)
	if !found {
		return nil, true
	}
	l, isList := v.(*listValue)
	if !isList {
		ctx.Reply.Error(command.WrongType)
		return nil, false
	}
	return l, true
}

// cmdPush is LPUSH and RPUSH; both answer the new length.
func cmdPush(ctx *command.Ctx, args [][]byte) {
	left := upper(string(args[0])) == "LPUSH"
	var length int
	err := ctx.Keys.Update(args[1], func(cur command.Value, exists bool) (command.Value, bool, error) {
		l := &listValue{}
		if exists {
			old, ok := cur.(*listValue)
			if !ok {
				return nil, false, replyError(command.WrongType)
			}
			l = old
		}
		if left {
			l = l.LPush(args[2:])
		} else {
			l = l.RPush(args[2:])
		}
		length = l.Len()
		return l, false, nil
	})
	if err != nil {
		replyWriteError(ctx.Reply, err)
		return
	}
	ctx.Reply.Int(int64(length))
}

func cmdLLen(ctx *command.Ctx, args [][]byte) {
	l, ok := listAt(ctx, args[1])
	if !ok {
		return
	}
	if l == nil {
		ctx.Reply.Int(0)
		return
	}
	ctx.Reply.Int(int64(l.Len()))
}

// clampRange converts Redis start/stop indexes (negative from the end) to a valid inclusive range;
// empty is reported as ok=false.
func clampRange(start, stop int64, n int) (int, int, bool) {
	if start < 0 {
		start += int64(n)
	}
	if stop < 0 {
		stop += int64(n)
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= int64(n) {
		return 0, 0, false
	}
	if stop >= int64(n) {
		stop = int64(n) - 1
	}
	return int(start), int(stop), true
}

func cmdLRange(ctx *command.Ctx, args [][]byte) {
	start, ok1 := parseStrictInt(args[2])
	stop, ok2 := parseStrictInt(args[3])
	if !ok1 || !ok2 {
		ctx.Reply.Error(errNotInteger)
		return
	}
	l, ok := listAt(ctx, args[1])
	if !ok {
		return
	}
	if l == nil {
		ctx.Reply.Array(0)
		return
	}
	from, to, nonEmpty := clampRange(start, stop, l.Len())
	if !nonEmpty {
		ctx.Reply.Array(0)
		return
	}
	ctx.Reply.Array(to - from + 1)
	for i := from; i <= to; i++ {
		ctx.Reply.Bulk(l.At(i))
	}
}

func cmdLIndex(ctx *command.Ctx, args [][]byte) {
	idx, okIdx := parseStrictInt(args[2])
	if !okIdx {
		ctx.Reply.Error(errNotInteger)
		return
	}
	l, ok := listAt(ctx, args[1])
	if !ok {
		return
	}
	if l == nil {
		ctx.Reply.Null()
		return
	}
	if idx < 0 {
		idx += int64(l.Len())
	}
	if idx < 0 || idx >= int64(l.Len()) {
		ctx.Reply.Null()
		return
	}
	ctx.Reply.Bulk(l.At(int(idx)))
}

// cmdLRem removes count occurrences of an element: from the head when count > 0, from the tail when
// count < 0, all when 0. The key goes away with its last element.
func cmdLRem(ctx *command.Ctx, args [][]byte) {
	count, okCount := parseStrictInt(args[2])
	if !okCount {
		ctx.Reply.Error(errNotInteger)
		return
	}
	elem := args[3]
	removed := 0
	err := ctx.Keys.Update(args[1], func(cur command.Value, exists bool) (command.Value, bool, error) {
		if !exists {
			return nil, false, nil
		}
		l, ok := cur.(*listValue)
		if !ok {
			return nil, false, replyError(command.WrongType)
		}
		n := l.Len()
		drop := make([]bool, n)
		limit := count
		if limit < 0 {
			limit = -limit
		}
		for j := 0; j < n && (limit == 0 || int64(removed) < limit); j++ {
			i := j
			if count < 0 {
				i = n - 1 - j
			}
			if string(l.At(i)) == string(elem) {
				drop[i] = true
				removed++
			}
		}
		if removed == 0 {
			return nil, false, nil
		}
		kept := make([][]byte, 0, n-removed)
		for i := 0; i < n; i++ {
			if !drop[i] {
				kept = append(kept, l.At(i))
			}
		}
		if len(kept) == 0 {
			return nil, true, nil
		}
		return fromElements(kept), false, nil
	})
	if err != nil {
		replyWriteError(ctx.Reply, err)
		return
	}
	ctx.Reply.Int(int64(removed))
}

// cmdPop is LPOP and RPOP key [count].
func cmdPop(ctx *command.Ctx, args [][]byte) {
	left := upper(string(args[0])) == "LPOP"
	withCount := len(args) == 3
	count := int64(1)
	if len(args) > 3 {
		ctx.Reply.Error(command.WrongArity(string(args[0])))
		return
	}
	if withCount {
		n, ok := parseStrictInt(args[2])
		if !ok || n < 0 {
			ctx.Reply.Error("ERR value is out of range, must be positive")
			return
		}
		count = n
	}
	var popped [][]byte
	found := false
	err := ctx.Keys.Update(args[1], func(cur command.Value, exists bool) (command.Value, bool, error) {
		if !exists {
			return nil, false, nil
		}
		l, ok := cur.(*listValue)
		if !ok {
			return nil, false, replyError(command.WrongType)
		}
		found = true
		nl, out := l.Pop(int(min(count, int64(l.Len()))), left)
		popped = out
		if nl.Len() == 0 {
			return nil, true, nil
		}
		if len(out) == 0 {
			return nil, false, nil
		}
		return nl, false, nil
	})
	switch {
	case err != nil:
		replyWriteError(ctx.Reply, err)
	case !found && withCount:
		ctx.Reply.NullArray()
	case !found:
		ctx.Reply.Null()
	case withCount:
		ctx.Reply.Array(len(popped))
		for _, e := range popped {
			ctx.Reply.Bulk(e)
		}
	default:
		ctx.Reply.Bulk(popped[0])
	}
}
