package httpapi

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// connWriter is the http.ResponseWriter of a resumed parked query: it
// collects the answer and writes it as one HTTP/1.1 response that closes
// the connection.
type connWriter struct {
	conn   net.Conn
	header http.Header
	code   int
	body   bytes.Buffer
}

// writeTimeout bounds writing an answer to a client that stopped reading.
const writeTimeout = 10 * time.Second

func newConnWriter(conn net.Conn) *connWriter {
	return &connWriter{conn: conn, header: http.Header{}}
}

func (w *connWriter) Header() http.Header { return w.header }

func (w *connWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *connWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// finish writes the status line, the headers and the body.
func (w *connWriter) finish() error {
	w.WriteHeader(http.StatusOK)
	h := w.header
	h.Set("Content-Length", strconv.Itoa(w.body.Len()))
	h.Set("Connection", "close")
	if h.Get("Date") == "" {
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	_ = w.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	bw := bufio.NewWriterSize(w.conn, min(w.body.Len()+1024, 64<<10))
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", w.code, http.StatusText(w.code))
	if err := h.Write(bw); err != nil {
		return err
	}
	if _, err := bw.WriteString("\r\n"); err != nil {
		return err
	}
	if _, err := bw.Write(w.body.Bytes()); err != nil {
		return err
	}
	return bw.Flush()
}
