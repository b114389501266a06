package state

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"reflect"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/hashicorp/go-msgpack/v2/codec"
)

// Snapshot stream format, version 1:
//
//	"PYLS" 0x01
//	frame*            kind byte, uvarint length, msgpack record
//	0x00              end marker
//	uvarint count     number of frames
//	uint32 crc        CRC-32C (big-endian) of every byte before it
//
// Frames come in the order nodes, services, checks, index entries,
// prepared queries, sessions, KV entries, tombstones, ACL policies, roles
// and tokens, so a service's node,
// a check's service, a session's node and checks and a locked key's
// session precede them. Prepared query, session, KV, tombstone and ACL frames
// were added without a version change: streams without them read as
// before. Session check bindings are derived and rebuilt on restore.
const (
	snapshotMagic   = "PYLS"
	snapshotVersion = 1
	maxFrameSize    = 16 << 20 // far above any record; bounds memory on a bad stream
)

// Frame kinds.
const (
	frameEnd byte = iota
	frameNode
	frameService
	frameCheck
	frameIndex
	frameQuery
	frameSession
	frameKV
	frameTombstone
	frameACLPolicy // acl_snapshot.go
	frameACLRole
	frameACLToken
	frameAutopilot    // autopilot.go
	frameCoordinate   // coordinate.go
	frameServerSecret // server_secret.go
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// recordHandle encodes records for snapshots. Free-form maps decode as
// map[string]any, as they come from JSON.
var recordHandle = func() *codec.MsgpackHandle {
	h := &codec.MsgpackHandle{}
	h.MapType = reflect.TypeOf(map[string]any(nil))
	h.RawToString = true
	h.WriteExt = true
	return h
}()

// Snapshot is a consistent point-in-time view of the store for writing out.
// It holds a read transaction; writes go on while it is persisted.
type Snapshot struct {
	tx    *memdb.Txn
	index uint64
}

// Snapshot returns a consistent view of the whole store.
func (s *Store) Snapshot() *Snapshot {
	tx := s.db.Load().Txn(false)
	return &Snapshot{tx: tx, index: maxIndexTxn(tx, nil, indexedTables...)}
}

// Index is the highest Raft index in the snapshot.
func (sn *Snapshot) Index() uint64 { return sn.index }

// Release lets go of the snapshot's view.
func (sn *Snapshot) Release() { sn.tx = nil }

// Persist writes the snapshot as a stream that Restore reads back.
func (sn *Snapshot) Persist(w io.Writer) error {
	fw := &frameWriter{w: bufio.NewWriter(w), crc: crc32.New(crcTable)}
	fw.raw([]byte(snapshotMagic + string(rune(snapshotVersion))))
	for _, t := range []struct {
		table string
		kind  byte
	}{{tableNodes, frameNode}, {tableServices, frameService}, {tableChecks, frameCheck}, {tableIndex, frameIndex},
		{tablePreparedQueries, frameQuery}, {tableSessions, frameSession}, {tableKVs, frameKV},
		{tableTombstones, frameTombstone}, {tableACLPolicies, frameACLPolicy}, {tableACLRoles, frameACLRole},
		{tableACLTokens, frameACLToken}, {tableAutopilot, frameAutopilot},
		{tableCoordinates, frameCoordinate}, {tableServerSecret, frameServerSecret}} {
		it, err := sn.tx.Get(t.table, indexID)
		if err != nil {
			return fmt.Errorf("snapshot %s: %w", t.table, err)
		}
		for raw := it.Next(); raw != nil; raw = it.Next() {
			if row, ok := raw.(*queryRow); ok {
				raw = row.q // the compiled regexp is rebuilt on restore
			}
			fw.frame(t.kind, raw)
		}
	}
	if err := fw.finish(); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return nil
}

type frameWriter struct {
	w     *bufio.Writer
	crc   hash.Hash32
	count uint64
	buf   []byte
	enc   *codec.Encoder
	err   error
}

func (fw *frameWriter) raw(b []byte) {
	if fw.err == nil {
		_, fw.err = fw.w.Write(b)
		fw.crc.Write(b)
	}
}

func (fw *frameWriter) frame(kind byte, rec any) {
	if fw.err != nil {
		return
	}
	fw.buf = fw.buf[:0]
	if fw.enc == nil {
		fw.enc = codec.NewEncoderBytes(&fw.buf, recordHandle)
	} else {
		fw.enc.ResetBytes(&fw.buf)
	}
	if fw.err = fw.enc.Encode(rec); fw.err != nil {
		return
	}
	var head [1 + binary.MaxVarintLen64]byte
	head[0] = kind
	n := binary.PutUvarint(head[1:], uint64(len(fw.buf)))
	fw.raw(head[:1+n])
	fw.raw(fw.buf)
	fw.count++
}

func (fw *frameWriter) finish() error {
	var tail [1 + binary.MaxVarintLen64]byte
	tail[0] = frameEnd
	n := binary.PutUvarint(tail[1:], fw.count)
	fw.raw(tail[:1+n])
	if fw.err != nil {
		return fw.err
	}
	if fw.err = binary.Write(fw.w, binary.BigEndian, fw.crc.Sum32()); fw.err != nil {
		return fw.err
	}
	return fw.w.Flush()
}
