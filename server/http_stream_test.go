package server

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"
)

// bigAnswer is a handler whose GET /v1/snapshot answer is size bytes,
// written in odd pieces, with a header, as the snapshot endpoint answers.
func bigAnswer(size int) http.Handler {
	body := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Consul-Index", "42")
		w.WriteHeader(http.StatusOK)
		for b := body; len(b) > 0; {
			n := min(len(b), 7777)
			_, _ = w.Write(b[:n])
			b = b[n:]
		}
	})
}

// collect gathers a streamed answer.
type collect struct {
	chunks int
	status int
	header map[string][]string
	body   bytes.Buffer
}

func (c *collect) emit(ch *HTTPChunk) error {
	if c.chunks == 0 {
		c.status, c.header = ch.Status, ch.Header
	}
	c.chunks++
	c.body.Write(ch.Body)
	return nil
}

// TestStreamedAnswers: a snapshot-sized answer crosses from the leader to
// a follower and to a client agent in chunks, whole, with its status and
// headers; the chunks mean its size is bounded by nothing but the stream.
func TestStreamedAnswers(t *testing.T) {
	defer func(n int) { streamChunk = n }(streamChunk)
	streamChunk = 64 << 10
	const size = 1 << 20
	c := newTestCluster(t, 3)
	for _, s := range c.servers {
		s.SetHTTPHandler(bigAnswer(size))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req := &HTTPRequest{Method: http.MethodGet, URI: "/v1/snapshot"}
	check := func(who string, got *collect) {
		t.Helper()
		if got.status != http.StatusOK || got.header["X-Consul-Index"][0] != "42" || got.body.Len() != size || got.chunks < size/streamChunk {
			t.Errorf("%s: status %d, header %v, %d bytes in %d chunks; want 200, the index, %d bytes in at least %d",
				who, got.status, got.header, got.body.Len(), got.chunks, size, size/streamChunk)
		}
	}
	var viaFollower collect
	if err := c.followers()[0].StreamHTTPToLeader(ctx, req, viaFollower.emit); err != nil {
		t.Fatal(err)
	}
	check("through a follower", &viaFollower)
	var viaClient collect
	if err := newTestClient(t, c).StreamHTTP(ctx, req, viaClient.emit); err != nil {
		t.Fatal(err)
	}
	check("through a client agent", &viaClient)
}

// TestChunkWriter: an empty answer still carries its status and headers,
// and chunks never exceed streamChunk.
func TestChunkWriter(t *testing.T) {
	defer func(n int) { streamChunk = n }(streamChunk)
	streamChunk = 10
	var got []*HTTPChunk
	w := &chunkWriter{recorder: recorder{header: http.Header{}}, emit: func(c *HTTPChunk) error { got = append(got, c); return nil }}
	w.Header().Set("A", "b")
	w.WriteHeader(http.StatusNotFound)
	if err := w.finish(); err != nil || len(got) != 1 || got[0].Status != http.StatusNotFound || got[0].Header["A"][0] != "b" {
		t.Fatalf("empty answer: %+v, %v", got, err)
	}
	got = nil
	w = &chunkWriter{recorder: recorder{header: http.Header{}}, emit: func(c *HTTPChunk) error { got = append(got, c); return nil }}
	_, _ = w.Write([]byte("0123456789abcdefghijklmno"))
	if err := w.finish(); err != nil || len(got) != 3 || got[0].Status != http.StatusOK || got[1].Status != 0 ||
		string(got[0].Body)+string(got[1].Body)+string(got[2].Body) != "0123456789abcdefghijklmno" {
		t.Fatalf("25 bytes in chunks of 10: %+v, %v", got, err)
	}
}
