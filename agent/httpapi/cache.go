package httpapi

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync"

	"github.com/pylonmesh/pylon/acl"
)

// Encoded-response cache. Encoding JSON is most of the cost of a catalog or
// health read, and a read's result at one store index never changes, so
// bodies are kept per (URL without index/wait, token) together with the
// index they were built at, and reused while the index stays the same.
// A store restore (new abandon channel) empties the cache.
//
// A change of ACL policies changes what a token sees at the same index, so
// an entry also remembers the authorizer it was rendered for and whether
// that filtered anything: the token resolver hands out a new authorizer
// once the token's rights may have changed, and an entry of the old one is
// not served.
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
	index    uint64
	body     []byte
	authz    acl.Authorizer // what the body was rendered for
	filtered bool           // the rendering left something out
}

func (bc *bodyCache) get(key string, index uint64, gen <-chan struct{}, authz acl.Authorizer) (cachedBody, bool) {
	bc.mu.Lock()
	defer bc.mu.Unlock()
	if bc.gen != gen {
		return cachedBody{}, false
	}
	e, ok := bc.entries[key]
	if !ok || e.index != index || !sameAuthorizer(e.authz, authz) {
		return cachedBody{}, false
	}
	return e, true
}

// sameAuthorizer reports whether a and b are the same authorizer; one of
// a type that cannot be compared is never the same.
func sameAuthorizer(a, b acl.Authorizer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

func (bc *bodyCache) put(key string, e cachedBody, gen <-chan struct{}) {
	body := e.body
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
	bc.entries[key] = e
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
	if e, ok := s.cache.get(key, c.index, gen, c.authz); ok {
		c.filtered = e.filtered
		return writeBody(c, e.body)
	}
	v, err := render()
	if err != nil {
		return err
	}
	body, err := s.encode(c, v)
	if err != nil {
		return err
	}
	s.cache.put(key, cachedBody{index: c.index, body: body, authz: c.authz, filtered: c.filtered}, gen)
	return writeBody(c, body)
}

// encode renders v as the JSON body, indented with ?pretty or when the
// agent is configured so.
func (s *Server) encode(c *call, v any) ([]byte, error) {
	if b, ok := v.(bool); ok { // every KV write's answer; indenting leaves it as it is
		return append(strconv.AppendBool(make([]byte, 0, len("false\n")), b), '\n'), nil // as json.Encoder ends it
	}
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
	c.setFiltered()
	c.w.Header().Set("Content-Type", "application/json")
	_, err := c.w.Write(body)
	return err
}
