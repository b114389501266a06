package state

import (
	"slices"
	"sync"

	memdb "github.com/hashicorp/go-memdb"
)

// readCache remembers the instance lists of services between reads. An
// entry is valid while the service's index entry is the very object it was
// built under: every write that changes what a service's readers see
// replaces that object (see finishTxn), and Restore clears the cache.
// This keeps the hot health and catalog reads to two lookups and a copy.
type readCache struct {
	m sync.Map // cache key → *cacheEntry
}

type cacheEntry struct {
	stamp *indexEntry
	value any
}

func (c *readCache) clear() { c.m.Clear() }

// cachedList returns the list for a service, built by build when the cache
// has no valid entry. The returned slice is the caller's; its elements
// share records with other readers.
func cachedList[T any](s *Store, ws memdb.WatchSet, kind, service string, connect bool,
	build func(tx *memdb.Txn) ([]T, error)) (uint64, []T, error) {
	tx := s.readTxn(ws)
	key := serviceIndexKey(service)
	if connect {
		key = connectIndexKey(service)
	}
	ch, raw, err := tx.FirstWatch(tableIndex, indexID, key)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(ch)
	if raw == nil { // never registered: nothing to key a cache entry on
		out, err := build(tx)
		return indexTxn(tx, nil, tableServices), out, err
	}
	stamp := raw.(*indexEntry)
	cacheKey := kind + key
	if e, ok := s.cache.m.Load(cacheKey); ok && e.(*cacheEntry).stamp == stamp {
		return stamp.Value, slices.Clone(e.(*cacheEntry).value.([]T)), nil
	}
	out, err := build(tx)
	if err != nil {
		return 0, nil, err
	}
	s.cache.m.Store(cacheKey, &cacheEntry{stamp: stamp, value: out})
	return stamp.Value, slices.Clone(out), nil
}
