// Package persist is ssrun db's on-disk format: snapshots (the whole keyspace at one instant, like
// Redis's RDB) and the append-only log (every change, like Redis's AOF). Both are ssrun's own format,
// versioned and checksummed record by record, so a loader can say at which byte offset a file stops
// making sense instead of loading half of it.
//
// A file is a 12-byte header (an 8-byte magic naming the kind of file, then the format version as a
// little-endian uint32) followed by records. A record is
//
//	op (1 byte) | payload length (uvarint) | payload | CRC-32C of op, length and payload (4 bytes, LE)
//
// Snapshot files hold OpEntry records and end with one OpEnd record (entry count and save time); a
// snapshot without its end record is truncated and refused. Append-only logs hold OpEntry (a key's new
// value), OpDelete, OpRename and OpFlush records; a log whose last record is incomplete loads up to it
// (a crash mid-write leaves exactly that), while a bad record followed by more data is corruption.
//
// Values are neutral (Value): the server converts its own types to and from them, so this package
// knows nothing of the server; models and scripts are stored as what was given to MODELSTORE and
// SCRIPTSTORE and compiled again on load.
package persist
