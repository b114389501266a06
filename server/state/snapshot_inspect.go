package state

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/hashicorp/go-msgpack/v2/codec"
)

// SnapshotRecord describes one record of a snapshot stream, for tools that
// report what a snapshot holds (pylon snapshot inspect).
type SnapshotRecord struct {
	// Type names the record's table: Node, Service, Check, Index,
	// PreparedQuery, Session, KVS or Tombstone.
	Type string
	// Size is the size of the encoded record in bytes, without its frame
	// header.
	Size int
	// Key is the key of a KVS record, and empty for the other types.
	Key string
}

// snapshotTypeNames names the frame kinds for SnapshotRecord.Type.
var snapshotTypeNames = map[byte]string{
	frameNode:         "Node",
	frameService:      "Service",
	frameCheck:        "Check",
	frameIndex:        "Index",
	frameQuery:        "PreparedQuery",
	frameSession:      "Session",
	frameKV:           "KVS",
	frameTombstone:    "Tombstone",
	frameACLPolicy:    "ACLPolicy",
	frameACLRole:      "ACLRole",
	frameACLToken:     "ACLToken",
	frameAutopilot:    "Autopilot",
	frameCoordinate:   "Coordinate",   // coordinate.go
	frameServerSecret: "ServerSecret", // server_secret.go
}

// ScanSnapshot reads a stream written by Snapshot.Persist and calls fn for
// every record, in stream order, then checks the stream's trailer (record
// count and checksum). Only the framing is checked, and only KVS records
// are decoded (for their key): a stream that scans may still be refused
// by Restore, which validates every record. An error from fn ends the scan
// and is returned as it is; a malformed stream gives an error wrapping
// ErrCorruptSnapshot.
func ScanSnapshot(r io.Reader, fn func(SnapshotRecord) error) error {
	fr := &frameReader{r: bufio.NewReader(r), crc: crc32.New(crcTable)}
	head := make([]byte, len(snapshotMagic)+1)
	if err := fr.full(head); err != nil {
		return err
	}
	if string(head[:len(snapshotMagic)]) != snapshotMagic {
		return fmt.Errorf("%w: bad magic", ErrCorruptSnapshot)
	}
	if head[len(snapshotMagic)] != snapshotVersion {
		return fmt.Errorf("%w: unsupported version %d", ErrCorruptSnapshot, head[len(snapshotMagic)])
	}
	var count uint64
	for {
		kind, err := fr.byte()
		if err != nil {
			return err
		}
		if kind == frameEnd {
			break
		}
		rec, err := scanFrame(fr, kind)
		if err != nil {
			return fmt.Errorf("frame %d: %w", count, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
		count++
	}
	return checkTrailer(fr, count)
}

// scanFrame reads the body of one frame of the given kind.
func scanFrame(fr *frameReader, kind byte) (SnapshotRecord, error) {
	name, ok := snapshotTypeNames[kind]
	if !ok {
		return SnapshotRecord{}, fmt.Errorf("%w: unknown frame kind %d", ErrCorruptSnapshot, kind)
	}
	body, err := fr.body()
	if err != nil {
		return SnapshotRecord{}, err
	}
	rec := SnapshotRecord{Type: name, Size: len(body)}
	if kind == frameKV {
		var e KVEntry
		if err := codec.NewDecoderBytes(body, recordHandle).Decode(&e); err != nil {
			return SnapshotRecord{}, fmt.Errorf("%w: %s: %v", ErrCorruptSnapshot, tableKVs, err)
		}
		rec.Key = e.Key
	}
	return rec, nil
}

// checkTrailer reads the record count and checksum that end a stream and
// compares them with what was read.
func checkTrailer(fr *frameReader, count uint64) error {
	want, err := fr.uvarint()
	if err != nil {
		return err
	}
	if want != count {
		return fmt.Errorf("%w: %d frames, trailer says %d", ErrCorruptSnapshot, count, want)
	}
	sum := fr.crc.Sum32()
	var got uint32
	if err := binary.Read(fr.r, binary.BigEndian, &got); err != nil {
		return fmt.Errorf("%w: checksum: %v", ErrCorruptSnapshot, err)
	}
	if got != sum {
		return fmt.Errorf("%w: checksum mismatch", ErrCorruptSnapshot)
	}
	return nil
}
