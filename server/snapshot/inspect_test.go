package snapshot

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestInspect(t *testing.T) {
	meta, data := fsmState(t, "vault/core/a", "vault/core/b", "vault/sys/x", "app", "other/y")
	in := archive(t, meta, data)
	cases := []struct {
		name   string
		opts   InspectOptions
		wantKV []Stats // sizes ignored
	}{
		{"types only", InspectOptions{}, nil},
		{"depth 1", InspectOptions{KVDepth: 1}, []Stats{{"vault", 3, 0}, {"app", 1, 0}, {"other", 1, 0}}},
		{"depth 2", InspectOptions{KVDepth: 2},
			[]Stats{{"vault/core", 2, 0}, {"app", 1, 0}, {"other/y", 1, 0}, {"vault/sys", 1, 0}}},
		{"filtered", InspectOptions{KVDepth: 3, KVFilter: "vault/c"}, []Stats{{"vault/core/a", 1, 0}, {"vault/core/b", 1, 0}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			info, err := Inspect(bytes.NewReader(in), tc.opts)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if !reflect.DeepEqual(info.Meta, *meta) {
				t.Errorf("Meta = %+v, want %+v", info.Meta, *meta)
			}
			counts := map[string]int{}
			var sum int64
			for i, s := range info.Types {
				counts[s.Name] = s.Count
				sum += s.Size
				if i > 0 && s.Size > info.Types[i-1].Size {
					t.Errorf("Types not sorted by size: %+v", info.Types)
				}
			}
			if counts["KVS"] != 5 || counts["Node"] != 1 || counts["Service"] != 1 || counts["Index"] == 0 {
				t.Errorf("Types = %+v", info.Types)
			}
			if sum != info.TotalSize || sum == 0 || sum >= int64(len(data)) {
				t.Errorf("TotalSize = %d, sum of types %d, state %d bytes", info.TotalSize, sum, len(data))
			}
			got := sortedCounts(info.KV)
			if !reflect.DeepEqual(got, sortedCounts(tc.wantKV)) {
				t.Errorf("KV = %+v, want %+v", info.KV, tc.wantKV)
			}
			var kvSum int64
			for _, s := range info.KV {
				kvSum += s.Size
			}
			if kvSum != info.TotalSizeKV {
				t.Errorf("TotalSizeKV = %d, sum %d", info.TotalSizeKV, kvSum)
			}
		})
	}
}

// sortedCounts maps each stats name to its count.
func sortedCounts(s []Stats) map[string]int {
	if len(s) == 0 {
		return nil
	}
	m := map[string]int{}
	for _, e := range s {
		m[e.Name] = e.Count
	}
	return m
}

// TestInspectRefusesBadState: an archive whose checksums are right but
// whose state.bin is not an FSM snapshot is refused by Inspect and
// Verify, though Read (which checks the archive only) accepts it.
func TestInspectRefusesBadState(t *testing.T) {
	meta, data := fsmState(t, "k")
	cases := map[string][]byte{
		"not an FSM snapshot": []byte("definitely not a snapshot"),
		"bad FSM header":      append([]byte("PYLF\x07"), data[5:]...),
		"store stream cut":    data[:len(data)-2],
		"flipped record byte": flipAt(data, len(data)/2),
	}
	for name, state := range cases {
		t.Run(name, func(t *testing.T) {
			m := *meta
			m.Size = int64(len(state))
			in := archive(t, &m, state)
			if _, err := Read(bytes.NewReader(in), new(bytes.Buffer), 0); err != nil {
				t.Fatalf("Read refused an intact archive: %v", err)
			}
			if _, err := Verify(bytes.NewReader(in), 0); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Verify = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	meta, data := fsmState(t, "k")
	got, err := Verify(bytes.NewReader(archive(t, meta, data)), 0)
	if err != nil || got.Index != meta.Index || got.ID != meta.ID {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
}

func TestKeyGroup(t *testing.T) {
	for _, tc := range []struct {
		key   string
		depth int
		want  string
	}{
		{"a/b/c", 1, "a"}, {"a/b/c", 2, "a/b"}, {"a/b/c", 3, "a/b/c"}, {"a/b/c", 9, "a/b/c"},
		{"a", 2, "a"}, {"a/", 1, "a"}, {"a/", 2, "a/"}, {"/x", 1, ""},
	} {
		if got := keyGroup(tc.key, tc.depth); got != tc.want {
			t.Errorf("keyGroup(%q, %d) = %q, want %q", tc.key, tc.depth, got, tc.want)
		}
	}
}
