package httpapi

import (
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

// response renders the status line, the headers and the body.
func (w *connWriter) response() []byte {
	w.WriteHeader(http.StatusOK)
	h := w.header
	h.Set("Content-Length", strconv.Itoa(w.body.Len()))
	h.Set("Connection", "close")
	if h.Get("Date") == "" {
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	var out bytes.Buffer
	out.Grow(w.body.Len() + 512)
	fmt.Fprintf(&out, "HTTP/1.1 %d %s\r\n", w.code, http.StatusText(w.code))
	_ = h.Write(&out) // a bytes.Buffer does not fail
	out.WriteString("\r\n")
	out.Write(w.body.Bytes())
	return out.Bytes()
}

// answer writes a rendered response on a parked connection and closes it.
func answer(conn net.Conn, resp []byte) error {
	_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := conn.Write(resp)
	if cerr := conn.Close(); err == nil {
		err = cerr
	}
	return err
}
