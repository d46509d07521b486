package client

import (
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// ErrNotFound is matched (errors.Is) by every error about a tensor, dataset, list, model or script
// that does not exist.
var ErrNotFound = errors.New("not found")

// ErrTimedOut is matched by a RunModel or RunScript error when the server answered TIMEDOUT: the run
// waited in the execution queue longer than its timeout and was skipped.
var ErrTimedOut = errors.New("timed out in the execution queue")

// Error is a failed operation on one key: which operation, which key on the wire (with its prefixes),
// and the cause (the server's reply text for server errors).
type Error struct {
	Op       string
	Key      string
	Err      error
	notFound bool
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("client: %s: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("client: %s %q: %v", e.Op, e.Key, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) true for missing keys, whichever way the server said so.
func (e *Error) Is(target error) bool { return target == ErrNotFound && e.notFound }

// opError wraps err from operation op on key, recognising RedisAI's missing-key replies.
func opError(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	return &Error{Op: op, Key: key, Err: err, notFound: isMissingKeyReply(err)}
}

// notFoundError reports a key that does not exist when the server answered with an empty reply rather
// than an error (HGETALL of a missing dataset, LRANGE of a missing list).
func notFoundError(op, key, what string) error {
	return &Error{Op: op, Key: key, Err: fmt.Errorf("%s does not exist", what), notFound: true}
}

// isMissingKeyReply recognises RedisAI's "tensor key is empty or in a different shard", "model key is
// empty" and "script key is empty", and go-redis's nil reply.
func isMissingKeyReply(err error) bool {
	if errors.Is(err, redis.Nil) {
		return true
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		return strings.Contains(rerr.Error(), "key is empty")
	}
	return false
}
