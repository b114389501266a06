package httpapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
)

// Encoded-response cache. Encoding JSON is most of the cost of a catalog or
// health read, and a read's result at one store index never changes, so
// bodies are kept per (URL without index/wait, token) together with the
// index they were built at, and reused while the index stays the same.
// A store restore (new abandon channel) empties the cache.
//
// TODO(issue 6): a change of ACL policies changes what a token sees at the
// same index; the ACL code must call purge when policies change.
const (
	maxCachedBody    = 1 << 20  // larger bodies are not kept
	maxCacheBytes    = 32 << 20 // total kept
	maxCacheEntries  = 4096
	cacheKeySeparate = "\x00"
)

type bodyCache struct {
	mu      sync.Mutex
	gen     <-chan struct{} // the store's abandon channel the entries belong to
	entries map[string]cachedBody
	bytes   int
}

type cachedBody struct {
	index uint64
	body  []byte
}

func (bc *bodyCache) get(key string, index uint64, gen <-chan struct{}) ([]byte, bool) {
	bc.mu.Lock()
	defer bc.mu.Unlock()
	if bc.gen != gen {
		return nil, false
	}
	e, ok := bc.entries[key]
	if !ok || e.index != index {
		return nil, false
	}
	return e.body, true
}

func (bc *bodyCache) put(key string, index uint64, gen <-chan struct{}, body []byte) {
	if len(body) > maxCachedBody {
		return
	}
	bc.mu.Lock()
	defer bc.mu.Unlock()
	if bc.gen != gen || bc.entries == nil {
		bc.gen, bc.entries, bc.bytes = gen, map[string]cachedBody{}, 0
	}
	if old, ok := bc.entries[key]; ok {
		bc.bytes -= len(old.body)
		delete(bc.entries, key)
	}
	// Evict arbitrary entries (map order is random) until there is room.
	for k, e := range bc.entries {
		if bc.bytes+len(body) <= maxCacheBytes && len(bc.entries) < maxCacheEntries {
			break
		}
		bc.bytes -= len(e.body)
		delete(bc.entries, k)
	}
	bc.entries[key] = cachedBody{index: index, body: body}
	bc.bytes += len(body)
}

func (bc *bodyCache) purge() {
	bc.mu.Lock()
	bc.entries, bc.bytes = nil, 0
	bc.mu.Unlock()
}

// cacheKey names a read's result apart from its index: the path, the query
// without the blocking parameters, and the token.
func cacheKey(c *call) string {
	q := c.r.URL.RawQuery
	if strings.Contains(q, "index=") || strings.Contains(q, "wait=") {
		v := c.r.URL.Query() // Encode sorts the keys
		v.Del("index")
		v.Del("wait")
		q = v.Encode()
	}
	return c.r.URL.Path + "?" + q + cacheKeySeparate + c.token
}

// writeIndexed writes the result of the blocking read that just ran (its
// index is c.index): from the cache when this result was encoded before,
// otherwise by rendering and encoding it.
func (s *Server) writeIndexed(c *call, render func() (any, error)) error {
	key := cacheKey(c)
	gen := s.catalog.Store().AbandonCh()
	if body, ok := s.cache.get(key, c.index, gen); ok {
		return writeBody(c, body)
	}
	v, err := render()
	if err != nil {
		return err
	}
	body, err := s.encode(c, v)
	if err != nil {
		return err
	}
	s.cache.put(key, c.index, gen, body)
	return writeBody(c, body)
}

// encode renders v as the JSON body, indented with ?pretty or when the
// agent is configured so.
func (s *Server) encode(c *call, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if s.cfg.PrettyJSON || boolParam(c.r, "pretty") {
		enc.SetIndent("", "    ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeBody(c *call, body []byte) error {
	c.w.Header().Set("Content-Type", "application/json")
	_, err := c.w.Write(body)
	return err
}
