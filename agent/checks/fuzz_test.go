package checks

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseGRPCTarget(f *testing.F) {
	for _, s := range []string{"127.0.0.1:50051", "host:1/svc", "[::1]:1/a/b", "/", "", "a/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		addr, service := parseGRPCTarget(target)
		if strings.Contains(addr, "/") {
			t.Fatalf("addr %q holds a slash", addr)
		}
		joined := addr
		if strings.Contains(target, "/") {
			joined += "/" + service
		}
		if joined != target {
			t.Fatalf("parts %q %q do not rebuild %q", addr, service, target)
		}
	})
}

func FuzzTruncate(f *testing.F) {
	f.Add("hello", 3)
	f.Add("ééé", 3)
	f.Add("日本語", 4)
	f.Add("\xff\xfe", 1)
	f.Fuzz(func(t *testing.T, s string, n int) {
		got := truncate(s, n)
		if !strings.HasPrefix(s, got) {
			t.Fatalf("truncate(%q, %d) = %q is not a prefix", s, n, got)
		}
		if len(got) > max(n, 0) {
			t.Fatalf("truncate(%q, %d) = %q is too long", s, n, got)
		}
		if len(s) <= n && got != s {
			t.Fatalf("truncate(%q, %d) = %q cut a short string", s, n, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("truncate(%q, %d) = %q split a rune", s, n, got)
		}
		if utf8.ValidString(s) && len(s) > n && n >= utf8.UTFMax && len(got) <= n-utf8.UTFMax {
			t.Fatalf("truncate(%q, %d) = %q cut too much", s, n, got)
		}
	})
}

func FuzzTailBuffer(f *testing.F) {
	f.Add([]byte("line one\nline two\n"), 5, 3)
	f.Add([]byte("ééééé"), 4, 1)
	f.Fuzz(func(t *testing.T, data []byte, size, chunk int) {
		if size < 1 || size > 1<<12 || chunk < 1 {
			t.Skip()
		}
		b := &tailBuffer{max: size}
		for rest := data; len(rest) > 0; {
			n := min(chunk, len(rest))
			if w, err := b.Write(rest[:n]); w != n || err != nil {
				t.Fatalf("Write = %d, %v", w, err)
			}
			rest = rest[n:]
		}
		if b.total != int64(len(data)) {
			t.Fatalf("total %d, want %d", b.total, len(data))
		}
		want := data[max(0, len(data)-size):]
		if !bytes.Equal(b.buf, want) {
			t.Fatalf("kept %q, want %q", b.buf, want)
		}
		got := b.String()
		if !bytes.HasSuffix(want, []byte(got)) || len(want)-len(got) >= utf8.UTFMax {
			t.Fatalf("String() = %q from %q", got, want)
		}
	})
}
