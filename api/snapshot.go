package api

import (
	"io"
	"net/http"
	"time"
)

// Snapshot reaches /v1/snapshot: archives of the servers' whole state, for
// backups and disaster recovery.
type Snapshot struct {
	c *Client
}

// Snapshot returns a handle for the snapshot endpoint.
func (c *Client) Snapshot() *Snapshot { return &Snapshot{c: c} }

// Save asks the servers for a snapshot archive and returns it as a stream
// the caller must close. Of q, Datacenter, AllowStale, RequireConsistent
// and Token apply. The meta's LastIndex is the Raft index the snapshot
// covers. It needs a management token.
func (s *Snapshot) Save(q *QueryOptions) (io.ReadCloser, *QueryMeta, error) {
	r := s.c.newRequest(http.MethodGet, "/v1/snapshot")
	r.setQueryOptions(q)
	resp, rtt, err := s.c.send(r)
	if err != nil {
		return nil, nil, err
	}
	qm := &QueryMeta{RequestTime: rtt}
	if err := parseQueryMeta(resp.Header, qm); err != nil {
		closeBody(resp)
		return nil, nil, err
	}
	return resp.Body, qm, nil
}

// Restore streams the archive in to the servers, which replace their
// whole state with it, or refuse it whole (a StatusError carrying the
// reason). It needs a management token.
func (s *Snapshot) Restore(q *WriteOptions, in io.Reader) error {
	r := s.c.newRequest(http.MethodPut, "/v1/snapshot")
	r.setWriteOptions(q)
	resp, _, err := s.c.sendStream(r, in)
	if err != nil {
		return err
	}
	closeBody(resp)
	return nil
}

// sendStream is send with a raw body read from in, streamed rather than
// buffered. A reply outside 2xx is returned as a StatusError.
func (c *Client) sendStream(r *request, in io.Reader) (*http.Response, time.Duration, error) {
	req, err := c.toHTTP(r)
	if err != nil {
		return nil, 0, err
	}
	req.Body = io.NopCloser(in)
	if l, ok := in.(interface{ Len() int }); ok {
		req.ContentLength = int64(l.Len())
	} else {
		req.ContentLength = -1 // unknown: chunked
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	start := time.Now()
	resp, err := c.http.Do(req)
	rtt := time.Since(start)
	if err != nil {
		return nil, rtt, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, rtt, statusError(resp)
	}
	return resp, rtt, nil
}
