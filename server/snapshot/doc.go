// Package snapshot is the archive format of Pylon's snapshots, as served
// by GET /v1/snapshot and read back by PUT /v1/snapshot and `pylon
// snapshot`: a gzip-compressed tar holding, in this order,
//
//	meta.json    the Raft snapshot metadata (ID, Size, Index, Term,
//	             Version, Configuration ...) as JSON
//	state.bin    the FSM snapshot, byte for byte as the FSM persists it
//	             (server/fsm's header, then server/state's stream)
//	SHA256SUMS   the SHA-256 of the two other files, in sha256sum's format
//
// Write produces an archive; Read checks one completely (gzip, tar, the
// set of files, sizes, checksums, metadata) and refuses anything else with
// an error wrapping ErrInvalid; Inspect and Verify also walk the records
// of state.bin without restoring them.
//
// Decoding state.bin into a store is not this package's job: the server
// restores it into a throwaway store before it hands it to Raft.
//
// It imports server/fsm and server/state (to walk state.bin) and
// hashicorp/raft (for the metadata type), and is imported by the server,
// the HTTP API and the CLI.
package snapshot
