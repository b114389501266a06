package server

import (
	"cmp"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	wal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
)

// Raft tuning.
const (
	raftTimeout = 10 * time.Second // transport I/O deadline

	// Snapshot after this many new entries, checked this often (Consul's
	// figures), keeping this many entries behind a snapshot for slow
	// followers; Config overrides each.
	snapshotThreshold = 16384
	snapshotInterval  = 30 * time.Second
	trailingLogs      = 10240

	// maxAppendEntries bounds both an AppendEntries RPC and a batch of
	// writes handed to the FSM. Raft allocates a slice of this many
	// pointers at every commit, so it is kept near the number of writes
	// that are in flight at once: 1024 cost 8 KB per commit and about a
	// fifth of the write throughput (BenchmarkKVApply).
	maxAppendEntries = 64

	snapshotsRetained = 2

	// logCacheSize is how many of the newest log entries are kept in
	// memory in front of the WAL (Consul keeps 512).
	logCacheSize = 512
)

// The per-multiplier bases of the production Raft timings.
const (
	raftHeartbeatBase = 500 * time.Millisecond
	raftLeaseBase     = 250 * time.Millisecond
	raftCommitBase    = 500 * time.Millisecond
)

func raftConfig(cfg Config, logger hclog.Logger) *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.NodeID)
	rc.Logger = logger
	rc.SnapshotThreshold = cmp.Or(cfg.RaftSnapshotThreshold, snapshotThreshold)
	rc.SnapshotInterval = cmp.Or(cfg.RaftSnapshotInterval, snapshotInterval)
	rc.TrailingLogs = cmp.Or(cfg.RaftTrailingLogs, trailingLogs)
	rc.MaxAppendEntries = maxAppendEntries
	// A buffered apply channel lets group commit (group_commit.go) hand
	// Raft a whole group before the leader takes the first of it. Raft
	// never answers a write or barrier still in the buffer when it shuts
	// down; bindShutdown answers those futures instead.
	rc.BatchApplyCh = true
	// Production timings: raft_multiplier times a base of 500 ms
	// (heartbeat and election) and 250 ms (leader lease), half of
	// Consul's. A follower notices a dead leader after 1–2 heartbeat
	// timeouts, so at multiplier 1 a failover takes about a second
	// rather than two; a LAN's round trips are well under a millisecond,
	// so the margin against false elections stays wide.
	mult := time.Duration(max(cfg.RaftMultiplier, 1))
	rc.HeartbeatTimeout = raftHeartbeatBase * mult
	rc.ElectionTimeout = raftHeartbeatBase * mult
	rc.LeaderLeaseTimeout = raftLeaseBase * mult
	// The leader announces commits itself (commit_nudge.go), so the empty
	// AppendEntries Raft sends every CommitTimeout only backs that up; at
	// Raft's 50 ms they were the largest cost of an idle leader.
	rc.CommitTimeout = raftCommitBase * mult
	if cfg.FastRaft {
		// Several servers on loopback, in tests that run with -race on
		// a busy machine: elections within a second, with a lease long
		// enough that a leader is not deposed by a slow scheduler.
		rc.HeartbeatTimeout = 200 * time.Millisecond
		rc.ElectionTimeout = 200 * time.Millisecond
		rc.LeaderLeaseTimeout = 150 * time.Millisecond
		rc.CommitTimeout = 5 * time.Millisecond
	}
	if cfg.Dev {
		// A dev server is the only voter: nobody competes in the election,
		// so the timeouts only delay the first leadership at start.
		rc.HeartbeatTimeout = 20 * time.Millisecond
		rc.ElectionTimeout = 20 * time.Millisecond
		rc.LeaderLeaseTimeout = 20 * time.Millisecond
		rc.CommitTimeout = 5 * time.Millisecond
	}
	if cfg.RaftCommitTimeout > 0 {
		rc.CommitTimeout = cfg.RaftCommitTimeout
	}
	return rc
}

// raftStores are Raft's log, stable and snapshot stores.
type raftStores struct {
	logs   raft.LogStore
	stable raft.StableStore
	snaps  raft.SnapshotStore
	wal    *wal.WAL // nil in dev mode
	meta   *metadb.BoltMetaDB
}

func openRaftStores(cfg Config, logger *slog.Logger) (*raftStores, error) {
	if cfg.DataDir == "" {
		mem := raft.NewInmemStore()
		return &raftStores{logs: mem, stable: mem, snaps: raft.NewInmemSnapshotStore()}, nil
	}
	dir := filepath.Join(cfg.DataDir, "raft")
	walDir := filepath.Join(dir, "wal")
	if err := os.MkdirAll(walDir, 0o700); err != nil {
		return nil, fmt.Errorf("create raft dir: %w", err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(dir, snapshotsRetained, newHCLog(logger, "raft-snapshot"))
	if err != nil {
		return nil, fmt.Errorf("open raft snapshots in %s: %w", dir, err)
	}
	// WAL.Close leaves the metadata database (and its file lock) open, so
	// the server owns it and closes it itself; otherwise a restart in the
	// same process blocks forever on the lock.
	meta := &metadb.BoltMetaDB{}
	w, err := wal.Open(walDir, wal.WithMetaStore(meta))
	if err != nil {
		_ = meta.Close()
		return nil, fmt.Errorf("open raft log in %s: %w", walDir, err)
	}
	// The newest entries stay in memory too: the leader reads each entry
	// back to replicate it and every server reads it again to apply it,
	// and those reads then never reach the WAL's segment files.
	logs, err := raft.NewLogCache(logCacheSize, w)
	if err != nil {
		_ = w.Close()
		_ = meta.Close()
		return nil, fmt.Errorf("raft log cache: %w", err)
	}
	return &raftStores{logs: logs, stable: w, snaps: snaps, wal: w, meta: meta}, nil
}

func (rs *raftStores) close() error {
	if rs == nil || rs.wal == nil {
		return nil
	}
	if err := rs.wal.Close(); err != nil {
		return fmt.Errorf("close raft log: %w", err)
	}
	if err := rs.meta.Close(); err != nil {
		return fmt.Errorf("close raft log metadata: %w", err)
	}
	return nil
}
