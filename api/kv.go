package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// KV reaches the /v1/kv endpoints: the key/value store.
type KV struct {
	c *Client
}

// KV returns a handle for the key/value endpoints.
func (c *Client) KV() *KV { return &KV{c: c} }

// Get reads one key. The pair is nil when the key does not exist; the
// meta is still returned, so a caller can block until it appears.
func (k *KV) Get(key string, q *QueryOptions) (*KVPair, *QueryMeta, error) {
	var out []*KVPair
	qm, err := k.read(key, nil, q, &out)
	if err != nil || len(out) == 0 {
		return nil, qm, err
	}
	return out[0], qm, nil
}

// List reads every key under prefix (nil when there is none).
func (k *KV) List(prefix string, q *QueryOptions) (KVPairs, *QueryMeta, error) {
	var out KVPairs
	qm, err := k.read(prefix, map[string]string{"recurse": ""}, q, &out)
	return out, qm, err
}

// Keys lists the keys under prefix. With a separator, keys are cut after
// the first separator that follows the prefix, so "a/b" and "a/c" under
// "" list as "a/" once.
func (k *KV) Keys(prefix, separator string, q *QueryOptions) ([]string, *QueryMeta, error) {
	params := map[string]string{"keys": ""}
	if separator != "" {
		params["separator"] = separator
	}
	var out []string
	qm, err := k.read(prefix, params, q, &out)
	return out, qm, err
}

// read performs a GET on /v1/kv/key. A 404 is "no such key": out is left
// alone and no error returned.
func (k *KV) read(key string, params map[string]string, q *QueryOptions, out any) (*QueryMeta, error) {
	r := k.c.newRequest(http.MethodGet, "/v1/kv/"+strings.TrimPrefix(key, "/"))
	r.setQueryOptions(q)
	for p, v := range params {
		r.params.Set(p, v)
	}
	r.accept = []int{http.StatusNotFound}
	resp, rtt, err := k.c.send(r)
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	qm := &QueryMeta{RequestTime: rtt}
	if err := parseQueryMeta(resp.Header, qm); err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNotFound {
		return qm, nil
	}
	if err := decodeJSON(resp, r.path, out); err != nil {
		return nil, err
	}
	return qm, nil
}

// Put writes p.Value and p.Flags to p.Key.
func (k *KV) Put(p *KVPair, q *WriteOptions) (*WriteMeta, error) {
	_, wm, err := k.put(p, nil, q)
	return wm, err
}

// CAS writes p only if the key's ModifyIndex is still p.ModifyIndex; a
// ModifyIndex of 0 writes only if the key does not exist. It reports
// whether the write happened.
func (k *KV) CAS(p *KVPair, q *WriteOptions) (bool, *WriteMeta, error) {
	return k.put(p, map[string]string{"cas": strconv.FormatUint(p.ModifyIndex, 10)}, q)
}

// Acquire locks p.Key for the session p.Session and writes p.Value and
// p.Flags. It reports false when another session holds the key or the
// key's lock delay has not passed.
func (k *KV) Acquire(p *KVPair, q *WriteOptions) (bool, *WriteMeta, error) {
	return k.put(p, map[string]string{"acquire": p.Session}, q)
}

// Release unlocks p.Key held by p.Session and writes p.Value and p.Flags.
// It reports false when p.Session does not hold the key.
func (k *KV) Release(p *KVPair, q *WriteOptions) (bool, *WriteMeta, error) {
	return k.put(p, map[string]string{"release": p.Session}, q)
}

func (k *KV) put(p *KVPair, params map[string]string, q *WriteOptions) (bool, *WriteMeta, error) {
	if strings.HasPrefix(p.Key, "/") {
		return false, nil, fmt.Errorf("Invalid key. Key must not begin with a '/': %s", p.Key)
	}
	r := k.c.newRequest(http.MethodPut, "/v1/kv/"+p.Key)
	r.setWriteOptions(q)
	for name, v := range params {
		r.params.Set(name, v)
	}
	if p.Flags != 0 {
		r.params.Set("flags", strconv.FormatUint(p.Flags, 10))
	}
	var ok bool
	wm, err := k.c.execBytes(r, p.Value, &ok)
	return ok, wm, err
}

// Delete removes one key. Deleting a missing key is not an error.
func (k *KV) Delete(key string, w *WriteOptions) (*WriteMeta, error) {
	_, wm, err := k.delete(key, nil, w)
	return wm, err
}

// DeleteCAS removes p.Key only if its ModifyIndex is still p.ModifyIndex,
// and reports whether it did.
func (k *KV) DeleteCAS(p *KVPair, q *WriteOptions) (bool, *WriteMeta, error) {
	return k.delete(p.Key, map[string]string{"cas": strconv.FormatUint(p.ModifyIndex, 10)}, q)
}

// DeleteTree removes every key under prefix ("" removes them all).
func (k *KV) DeleteTree(prefix string, w *WriteOptions) (*WriteMeta, error) {
	_, wm, err := k.delete(prefix, map[string]string{"recurse": ""}, w)
	return wm, err
}

func (k *KV) delete(key string, params map[string]string, q *WriteOptions) (bool, *WriteMeta, error) {
	r := k.c.newRequest(http.MethodDelete, "/v1/kv/"+strings.TrimPrefix(key, "/"))
	r.setWriteOptions(q)
	for name, v := range params {
		r.params.Set(name, v)
	}
	var ok bool
	wm, err := k.c.exec(r, &ok)
	return ok, wm, err
}

// Txn runs KV operations in one transaction.
//
// Deprecated: use Client.Txn, which also takes node, service, check and
// session operations. Kept because Consul's client has it.
func (k *KV) Txn(txn KVTxnOps, q *QueryOptions) (bool, *KVTxnResponse, *QueryMeta, error) {
	ops := make(TxnOps, 0, len(txn))
	for _, op := range txn {
		ops = append(ops, &TxnOp{KV: op})
	}
	ok, resp, qm, err := k.c.Txn().Txn(ops, q)
	if err != nil {
		return false, nil, nil, err
	}
	out := &KVTxnResponse{Errors: resp.Errors}
	for _, res := range resp.Results {
		out.Results = append(out.Results, res.KV)
	}
	return ok, out, qm, nil
}

// execBytes performs a write whose body is raw bytes (a KV value, an event
// payload) instead of JSON, decoding the JSON reply into out.
func (c *Client) execBytes(r *request, body []byte, out any) (*WriteMeta, error) {
	resp, rtt, err := c.sendBytes(r, body)
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	if err := decodeJSON(resp, r.path, out); err != nil {
		return nil, err
	}
	return &WriteMeta{RequestTime: rtt}, nil
}

// decodeJSON decodes a reply's JSON body into out.
func decodeJSON(resp *http.Response, path string, out any) error {
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// sendBytes is send with a raw body. A reply outside 2xx (and r.accept)
// is returned as a StatusError.
func (c *Client) sendBytes(r *request, body []byte) (*http.Response, time.Duration, error) {
	req, err := c.toHTTP(r)
	if err != nil {
		return nil, 0, err
	}
	if len(body) == 0 {
		req.Body, req.GetBody = http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }
	} else {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	return c.do(r, req)
}
