package rpc

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

type uploadPart struct{ Data []byte }

type uploadResp struct {
	Parts, Bytes int
	Key          string
}

// uploads registers Test.Upload, which counts what it reads, and stops
// reading (and answers) after stopAfter parts when the request's key is
// "stop"; a key "fail" fails after the first part.
func uploads(stopAfter int) func(*Server) {
	return func(s *Server) {
		HandleUpload(s, "Test.Upload", func(_ context.Context, req *echoReq, recv func() (*uploadPart, error)) (*uploadResp, error) {
			resp := &uploadResp{Key: req.Key}
			for {
				p, err := recv()
				if errors.Is(err, io.EOF) {
					return resp, nil
				}
				if err != nil {
					return nil, err
				}
				resp.Parts++
				resp.Bytes += len(p.Data)
				switch {
				case req.Key == "fail":
					return nil, errNotLeader
				case req.Key == "stop" && resp.Parts == stopAfter:
					return resp, nil
				}
			}
		})
	}
}

// parts gives n parts of size bytes each, then io.EOF; sent counts them.
func parts(n, size int, sent *int) func() (*uploadPart, error) {
	return func() (*uploadPart, error) {
		if *sent == n {
			return nil, io.EOF
		}
		*sent++
		return &uploadPart{Data: make([]byte, size)}, nil
	}
}

func TestUpload(t *testing.T) {
	pool, addr, _ := serveWith(t, uploads(3))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// 8 MiB in 1 MiB parts, all read in order.
	sent := 0
	resp, err := Upload[echoReq, uploadPart, uploadResp](ctx, pool, addr, "Test.Upload", &echoReq{Key: "all"}, parts(8, 1<<20, &sent))
	if err != nil || resp.Key != "all" || resp.Parts != 8 || resp.Bytes != 8<<20 {
		t.Fatalf("upload of 8 parts = %+v, %v", resp, err)
	}

	// A handler that answers early ends the upload: the client stops
	// sending long before its 10,000 parts.
	sent = 0
	resp, err = Upload[echoReq, uploadPart, uploadResp](ctx, pool, addr, "Test.Upload", &echoReq{Key: "stop"}, parts(10000, 64<<10, &sent))
	if err != nil || resp.Parts != 3 {
		t.Fatalf("upload answered after 3 parts = %+v, %v", resp, err)
	}
	if sent == 10000 {
		t.Fatal("the client sent every part although the handler had answered")
	}

	// A handler's error arrives as Call's do.
	sent = 0
	_, err = Upload[echoReq, uploadPart, uploadResp](ctx, pool, addr, "Test.Upload", &echoReq{Key: "fail"}, parts(5, 10, &sent))
	if !errors.Is(err, errNotLeader) {
		t.Fatalf("failed upload = %v, want errNotLeader", err)
	}

	// An error reading the parts ends the call with it.
	broken := errors.New("disk gone")
	_, err = Upload[echoReq, uploadPart, uploadResp](ctx, pool, addr, "Test.Upload", &echoReq{Key: "all"},
		func() (*uploadPart, error) { return nil, broken })
	if !errors.Is(err, broken) {
		t.Fatalf("upload whose parts fail = %v, want that error", err)
	}
}
