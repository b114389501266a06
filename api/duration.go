package api

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// ReadableDuration is a time.Duration that travels in JSON as a Go duration
// string ("10s"). On input it also accepts a number of nanoseconds.
type ReadableDuration time.Duration

// NewReadableDuration returns a pointer to d as a ReadableDuration.
func NewReadableDuration(d time.Duration) *ReadableDuration {
	r := ReadableDuration(d)
	return &r
}

// Duration returns d as a time.Duration; zero for a nil d.
func (d *ReadableDuration) Duration() time.Duration {
	if d == nil {
		return 0
	}
	return time.Duration(*d)
}

// String renders d like time.Duration does ("1m30s", "0s").
func (d *ReadableDuration) String() string { return d.Duration().String() }

// MarshalJSON writes d as a quoted duration string.
func (d ReadableDuration) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, time.Duration(d).String()), nil
}

// UnmarshalJSON reads a duration string or a number of nanoseconds.
func (d *ReadableDuration) UnmarshalJSON(b []byte) error {
	v, err := parseDurationJSON(b)
	if err != nil {
		return err
	}
	*d = ReadableDuration(v)
	return nil
}

// parseDurationJSON decodes a JSON string ("10s", "" = 0) or number
// (nanoseconds) into a duration.
func parseDurationJSON(b []byte) (time.Duration, error) {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
		if s == "" {
			return 0, nil
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("parse duration: %w", err)
		}
		return v, nil
	}
	if string(b) == "null" {
		return 0, nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return 0, fmt.Errorf("parse duration: %w", err)
	}
	return time.Duration(f), nil
}
