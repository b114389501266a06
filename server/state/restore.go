package state

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/hashicorp/go-msgpack/v2/codec"
)

// Restore replaces the store's contents with a stream written by
// Snapshot.Persist. The new state is built aside and swapped in at once; on
// any error the current state is left untouched. After the swap every
// blocked reader is woken (AbandonCh is closed) and every event
// subscription ends with ErrSubscriptionReset.
func (s *Store) Restore(r io.Reader) error {
	db, err := readSnapshot(r)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.db.Store(db)
	s.cache.clear()
	old := s.abandon.Load()
	ch := make(chan struct{})
	s.abandon.Store(&ch)
	close(*old)
	s.pub.reset()
	return nil
}

func readSnapshot(r io.Reader) (*memdb.MemDB, error) {
	db, err := memdb.NewMemDB(schema())
	if err != nil {
		return nil, err
	}
	fr := &frameReader{r: bufio.NewReader(r), crc: crc32.New(crcTable)}
	head := make([]byte, len(snapshotMagic)+1)
	if err := fr.full(head); err != nil {
		return nil, err
	}
	if string(head[:len(snapshotMagic)]) != snapshotMagic {
		return nil, fmt.Errorf("%w: bad magic", ErrCorruptSnapshot)
	}
	if head[len(snapshotMagic)] != snapshotVersion {
		return nil, fmt.Errorf("%w: unsupported version %d", ErrCorruptSnapshot, head[len(snapshotMagic)])
	}
	tx := db.Txn(true)
	defer tx.Abort()
	if err := restoreFrames(tx, fr); err != nil {
		return nil, err
	}
	tx.Commit()
	return db, nil
}

// restoreFrames inserts every frame of the stream and checks its trailer.
func restoreFrames(tx *memdb.Txn, fr *frameReader) error {
	var count uint64
	for {
		kind, err := fr.byte()
		if err != nil {
			return err
		}
		if kind == frameEnd {
			break
		}
		if err := restoreFrame(tx, fr, kind); err != nil {
			return fmt.Errorf("frame %d: %w", count, err)
		}
		count++
	}
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

func restoreFrame(tx *memdb.Txn, fr *frameReader, kind byte) error {
	body, err := fr.body()
	if err != nil {
		return err
	}
	switch kind {
	case frameNode:
		return restoreRecord(tx, body, tableNodes, validRestoredNode)
	case frameService:
		return restoreRecord(tx, body, tableServices, validRestoredService)
	case frameCheck:
		return restoreRecord(tx, body, tableChecks, validRestoredCheck)
	case frameQuery:
		return restoreQuery(tx, body)
	case frameSession:
		return restoreSession(tx, body)
	case frameKV:
		return restoreRecord(tx, body, tableKVs, validRestoredKV)
	case frameTombstone:
		return restoreRecord(tx, body, tableTombstones, func(_ *memdb.Txn, t *tombstone) error {
			if t.Key == "" {
				return fmt.Errorf("%w: tombstone without key", ErrCorruptSnapshot)
			}
			return nil
		})
	case frameACLPolicy, frameACLRole, frameACLToken:
		return restoreACLFrame(tx, body, kind)
	case frameAutopilot:
		return restoreAutopilot(tx, body)
	case frameCoordinate:
		return restoreCoordinate(tx, body)
	case frameServerSecret:
		return restoreServerSecret(tx, body)
	case frameIndex:
		return restoreRecord(tx, body, tableIndex, func(_ *memdb.Txn, e *indexEntry) error {
			if e.Key == "" {
				return fmt.Errorf("%w: index entry without key", ErrCorruptSnapshot)
			}
			return nil
		})
	}
	return fmt.Errorf("%w: unknown frame kind %d", ErrCorruptSnapshot, kind)
}

// restoreQuery decodes one prepared query, checks it as PreparedQuerySet
// would (which keeps the unique name indexes consistent) and inserts it
// with its compiled template.
func restoreQuery(tx *memdb.Txn, body []byte) error {
	q := new(PreparedQuery)
	if err := codec.NewDecoderBytes(body, recordHandle).Decode(q); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorruptSnapshot, tablePreparedQueries, err)
	}
	re, err := validatePreparedQuery(q)
	if err == nil {
		err = checkQueryNamesTxn(tx, q)
	}
	if err != nil {
		return fmt.Errorf("%w: prepared query %q: %v", ErrCorruptSnapshot, q.ID, err)
	}
	if err := tx.Insert(tablePreparedQueries, &queryRow{q: q, re: re}); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorruptSnapshot, tablePreparedQueries, err)
	}
	return nil
}

// restoreSession decodes one session, checks it as a creation would
// (node and checks present, bound checks not critical) and inserts it with
// its check bindings.
func restoreSession(tx *memdb.Txn, body []byte) error {
	sess := new(Session)
	if err := codec.NewDecoderBytes(body, recordHandle).Decode(sess); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorruptSnapshot, tableSessions, err)
	}
	if err := validateSessionTxn(tx, sess); err != nil {
		return fmt.Errorf("%w: session %q: %v", ErrCorruptSnapshot, sess.ID, err)
	}
	if err := insertSessionTxn(tx, sess); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorruptSnapshot, tableSessions, err)
	}
	return nil
}

func validRestoredKV(tx *memdb.Txn, e *KVEntry) error {
	if e.Key == "" {
		return fmt.Errorf("%w: KV entry without key", ErrCorruptSnapshot)
	}
	if e.Session == "" {
		return nil
	}
	if sess, err := getSessionTxn(tx, e.Session); err != nil || sess == nil {
		return fmt.Errorf("%w: key %q held by unknown session %q", ErrCorruptSnapshot, e.Key, e.Session)
	}
	return nil
}

// restoreRecord decodes one record, validates it against what was restored
// before it and inserts it.
func restoreRecord[T any](tx *memdb.Txn, body []byte, table string, valid func(*memdb.Txn, *T) error) error {
	rec := new(T)
	if err := codec.NewDecoderBytes(body, recordHandle).Decode(rec); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorruptSnapshot, table, err)
	}
	if err := valid(tx, rec); err != nil {
		return err
	}
	if err := tx.Insert(table, rec); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorruptSnapshot, table, err)
	}
	return nil
}

func validRestoredNode(_ *memdb.Txn, n *Node) error {
	if n.Node == "" || validName(n.Node) != nil {
		return fmt.Errorf("%w: bad node name %q", ErrCorruptSnapshot, n.Node)
	}
	return nil
}

func validRestoredService(tx *memdb.Txn, s *Service) error {
	if s.ID == "" || s.Name == "" || validName(s.ID) != nil || validName(s.Name) != nil {
		return fmt.Errorf("%w: bad service %q/%q", ErrCorruptSnapshot, s.ID, s.Name)
	}
	if n, err := getNodeTxn(tx, s.Node); err != nil || n == nil {
		return fmt.Errorf("%w: service %q on unknown node %q", ErrCorruptSnapshot, s.ID, s.Node)
	}
	return nil
}

func validRestoredCheck(tx *memdb.Txn, c *HealthCheck) error {
	if c.CheckID == "" || validName(c.CheckID) != nil || validName(c.ServiceID) != nil {
		return fmt.Errorf("%w: bad check %q", ErrCorruptSnapshot, c.CheckID)
	}
	if n, err := getNodeTxn(tx, c.Node); err != nil || n == nil {
		return fmt.Errorf("%w: check %q on unknown node %q", ErrCorruptSnapshot, c.CheckID, c.Node)
	}
	if c.ServiceID == "" {
		return nil
	}
	if s, err := getServiceTxn(tx, c.Node, c.ServiceID); err != nil || s == nil {
		return fmt.Errorf("%w: check %q of unknown service %q", ErrCorruptSnapshot, c.CheckID, c.ServiceID)
	}
	return nil
}

// frameReader reads the framed stream, keeping a checksum of what it read.
type frameReader struct {
	r   *bufio.Reader
	crc hash.Hash32
}

func (fr *frameReader) full(b []byte) error {
	if _, err := io.ReadFull(fr.r, b); err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptSnapshot, err)
	}
	fr.crc.Write(b)
	return nil
}

func (fr *frameReader) byte() (byte, error) {
	var b [1]byte
	err := fr.full(b[:])
	return b[0], err
}

func (fr *frameReader) uvarint() (uint64, error) {
	v, err := binary.ReadUvarint(byteCounter{fr})
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrCorruptSnapshot, err)
	}
	return v, nil
}

func (fr *frameReader) body() ([]byte, error) {
	n, err := fr.uvarint()
	if err != nil {
		return nil, err
	}
	if n > maxFrameSize {
		return nil, fmt.Errorf("%w: frame of %d bytes", ErrCorruptSnapshot, n)
	}
	b := make([]byte, n)
	return b, fr.full(b)
}

// byteCounter feeds single bytes through the frame reader's checksum.
type byteCounter struct{ fr *frameReader }

func (bc byteCounter) ReadByte() (byte, error) {
	b, err := bc.fr.r.ReadByte()
	if err == nil {
		bc.fr.crc.Write([]byte{b})
	}
	return b, err
}
