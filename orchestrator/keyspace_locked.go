package orchestrator

import (
	"github.com/ssrun/ssrun/orchestrator/command"
	"github.com/ssrun/ssrun/orchestrator/persist"
)

// store is what core handlers need beyond command.Keyspace. Both the keyspace and the locked view of
// a transaction provide it, so the same handlers run inside and outside MULTI/EXEC.
type store interface {
	command.Keyspace
	Rename(src, dst []byte) (bool, error)
	Flush()
	snapshotShard(i int) []keyValue
}

var (
	_ store = (*Keyspace)(nil)
	_ store = (*lockedKeyspace)(nil)
)

// storeOf returns the handler's keyspace with the core extras.
func storeOf(ctx *command.Ctx) store { return ctx.Keys.(store) }

// lockedKeyspace is the keyspace while EXEC holds every shard lock (Keyspace.lockAll): the same
// operations without taking locks. It is valid only until EXEC releases them.
type lockedKeyspace struct{ ks *Keyspace }

func (v *lockedKeyspace) Get(key []byte) (command.Value, bool) {
	return getLocked(v.ks.shard(key), key)
}

func (v *lockedKeyspace) Put(key []byte, val command.Value) error {
	return v.ks.putLocked(v.ks.shard(key), key, val, false)
}

func (v *lockedKeyspace) PutOwned(key []byte, val command.BufferValue) error {
	return v.ks.putLocked(v.ks.shard(key), key, val, true)
}

func (v *lockedKeyspace) TypeName(key []byte) (string, bool) {
	return typeNameLocked(v.ks.shard(key), key)
}

func (v *lockedKeyspace) Delete(key []byte) bool { return v.ks.deleteLocked(v.ks.shard(key), key) }

func (v *lockedKeyspace) Update(key []byte, fn func(old command.Value, ok bool) (command.Value, bool, error)) error {
	return v.ks.updateLocked(v.ks.shard(key), key, fn)
}

func (v *lockedKeyspace) Range(fn func(key []byte, v command.Value) bool) {
	for i := range v.ks.shards {
		if !visit(snapshotLocked(&v.ks.shards[i]), fn) {
			return
		}
	}
}

func (v *lockedKeyspace) Rename(src, dst []byte) (bool, error) {
	return v.ks.renameLocked(v.ks.shard(src), v.ks.shard(dst), src, dst)
}

func (v *lockedKeyspace) Flush() {
	v.ks.logChange(persist.FlushRecord())
	for i := range v.ks.shards {
		v.ks.flushLocked(&v.ks.shards[i])
	}
}

// unchanged reports whether every watched key is still at the version WATCH saw.
func (v *lockedKeyspace) unchanged(watched []watchedKey) bool {
	for _, w := range watched {
		if versionLocked(v.ks.shard(w.key), w.key) != w.version {
			return false
		}
	}
	return true
}

func (v *lockedKeyspace) snapshotShard(i int) []keyValue { return snapshotLocked(&v.ks.shards[i]) }
