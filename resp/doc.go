// Package resp is the RESP2 wire format as ssrun speaks it: requests read as Redis reads them
// (multibulk and inline, with Redis's limits before and after AUTH), replies written as Redis writes
// them, and the small client side the runtime and tests need (Command, ReadReply).
//
// It is hand-written rather than taken from redcon: reading requests straight into arguments the
// server may keep as stored values saves a copy per value (BenchmarkRequestParsing measures both).
package resp
