package checks

import "unicode/utf8"

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	cut := n
	// Back off over continuation bytes to the start of the rune at cut.
	for cut > 0 && cut > n-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// tailBuffer is an io.Writer that keeps only the last max bytes written
// and counts all of them.
type tailBuffer struct {
	max   int
	buf   []byte
	total int64
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.total += int64(len(p))
	if len(p) >= b.max {
		b.buf = append(b.buf[:0], p[len(p)-b.max:]...)
		return len(p), nil
	}
	if over := len(b.buf) + len(p) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// String returns the kept bytes. When earlier bytes were dropped it starts
// at a rune boundary.
func (b *tailBuffer) String() string {
	start := 0
	if b.total > int64(len(b.buf)) {
		for start < len(b.buf) && start < utf8.UTFMax-1 && !utf8.RuneStart(b.buf[start]) {
			start++
		}
	}
	return string(b.buf[start:])
}
