// Package client is a Go client for the ssrun tensor database (and any Redis + RedisAI server) with
// SmartRedis semantics: the same environment variables (SSDB, SR_DB_TYPE, SSKEYIN, SSKEYOUT), the same
// key layout for tensors, datasets, lists, models and scripts, the same ensemble-prefix rules and the same
// commands on the wire, so data written by a Go application can be read by a SmartRedis C++, Fortran or
// Python client and the other way round.
//
// A Client talks to one standalone server or to a cluster (go-redis underneath). In cluster mode models
// and scripts are stored once per slot range under a per-range hash-tag prefix, and RunModel/RunScript
// copy their inputs next to the model, as SmartRedis does, because RedisAI needs every key of one
// execution on one shard.
//
//	c, err := client.NewFromEnv()           // SSDB, SR_DB_TYPE, SSKEYIN, SSKEYOUT
//	defer c.Close()
//	t, _ := tensor.FromFloat32([]int64{2, 3}, data)
//	err = c.PutTensor(ctx, "field", t)       // AI.TENSORSET <SSKEYOUT>.field FLOAT 2 3 BLOB ...
//	got, err := c.GetTensor(ctx, "field")    // AI.TENSORGET <source>.field META BLOB
package client
