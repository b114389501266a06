package snapshot

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/raft"
)

func TestWriteReadRoundTrip(t *testing.T) {
	meta, data := fsmState(t, "a/b", "c")
	got := new(bytes.Buffer)
	rmeta, err := Read(bytes.NewReader(archive(t, meta, data)), got, 0)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if !reflect.DeepEqual(rmeta, meta) {
		t.Errorf("meta = %+v, want %+v", rmeta, meta)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Errorf("state differs: %d bytes, want %d", got.Len(), len(data))
	}
}

// TestArchiveLayout pins the archive's files, order and meta.json keys,
// which backup tooling built for Consul expects.
func TestArchiveLayout(t *testing.T) {
	meta, data := fsmState(t)
	var names []string
	var metaJSON map[string]any
	sums := ""
	forEachFile(t, archive(t, meta, data), func(name string, body []byte) {
		names = append(names, name)
		switch name {
		case MetaFile:
			if err := json.Unmarshal(body, &metaJSON); err != nil {
				t.Fatal(err)
			}
		case SumsFile:
			sums = string(body)
		}
	})
	if want := []string{MetaFile, StateFile, SumsFile}; !reflect.DeepEqual(names, want) {
		t.Errorf("files = %v, want %v", names, want)
	}
	for _, k := range []string{"ID", "Size", "Index", "Term", "Version", "Configuration", "ConfigurationIndex"} {
		if _, ok := metaJSON[k]; !ok {
			t.Errorf("meta.json has no %q: %v", k, metaJSON)
		}
	}
	if lines := strings.Split(strings.TrimSpace(sums), "\n"); len(lines) != 2 ||
		!strings.HasSuffix(lines[0], "  meta.json") || !strings.HasSuffix(lines[1], "  state.bin") {
		t.Errorf("SHA256SUMS = %q", sums)
	}
}

func TestWriteRefusesWrongStateSize(t *testing.T) {
	meta, data := fsmState(t)
	for name, state := range map[string][]byte{"short": data[:len(data)-1], "long": append(bytes.Clone(data), 0)} {
		if err := Write(new(bytes.Buffer), meta, bytes.NewReader(state)); err == nil {
			t.Errorf("%s state: Write succeeded", name)
		}
	}
}

// TestReadRefuses feeds Read every kind of broken archive: each must be
// refused with ErrInvalid (ErrTooLarge for the size limit).
func TestReadRefuses(t *testing.T) {
	meta, data := fsmState(t, "k")
	metaJSON, sums := parts(t, meta, data)
	good := archive(t, meta, data)
	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 1
	withSize := func(size int64) []byte {
		m := *meta
		m.Size = size
		b, _ := json.Marshal(&m)
		return b
	}
	withVersion := func(v raft.SnapshotVersion) []byte {
		m := *meta
		m.Version = v
		b, _ := json.Marshal(&m)
		return b
	}
	three := func(m, s, sum []byte) []entry {
		return []entry{{name: MetaFile, body: m}, {name: StateFile, body: s}, {name: SumsFile, body: sum}}
	}
	cases := []struct {
		name string
		in   []byte
		max  int64
		want error
	}{
		{"empty", nil, 0, ErrInvalid},
		{"not gzip", []byte("this is not a snapshot"), 0, ErrInvalid},
		{"plain tar", rawTar(t, three(metaJSON, data, sums)), 0, ErrInvalid},
		{"truncated gzip", good[:len(good)-10], 0, ErrInvalid},
		{"truncated in the middle", good[:len(good)/2], 0, ErrInvalid},
		{"flipped byte in the compressed stream", flipAt(good, len(good)/2), 0, ErrInvalid},
		{"tar cut at a file boundary", gzipBytes(t, rawTar(t, three(metaJSON, data, sums))[:1024]), 0, ErrInvalid},
		{"tar cut inside state.bin", gzipBytes(t, rawTar(t, three(metaJSON, data, sums))[:1024+512+100]), 0, ErrInvalid},
		{"flipped byte in state.bin", craft(t, three(metaJSON, flipped, sums), nil), 0, ErrInvalid},
		{"wrong checksum", craft(t, three(metaJSON, data, sumsOf(metaJSON, []byte("x"))), nil), 0, ErrInvalid},
		{"meta.json changed", craft(t, three(withSize(meta.Size), data, sumsOf(append(metaJSON, ' '), data)), nil), 0, ErrInvalid},
		{"size mismatch", craft(t, three(withSize(meta.Size+1), data, sumsOf(withSize(meta.Size+1), data)), nil), 0, ErrInvalid},
		{"unsupported version", craft(t, three(withVersion(7), data, sumsOf(withVersion(7), data)), nil), 0, ErrInvalid},
		{"meta.json not JSON", craft(t, three([]byte("{"), data, sumsOf([]byte("{"), data)), nil), 0, ErrInvalid},
		{"missing meta.json", craft(t, three(metaJSON, data, sums)[1:], nil), 0, ErrInvalid},
		{"missing state.bin", craft(t, []entry{{name: MetaFile, body: metaJSON}, {name: SumsFile, body: sums}}, nil), 0, ErrInvalid},
		{"missing SHA256SUMS", craft(t, three(metaJSON, data, sums)[:2], nil), 0, ErrInvalid},
		{"extra file", craft(t, append(three(metaJSON, data, sums), entry{name: "extra", body: []byte("x")}), nil), 0, ErrInvalid},
		{"file twice", craft(t, append(three(metaJSON, data, sums), entry{name: StateFile, body: data}), nil), 0, ErrInvalid},
		{"directory entry", craft(t, append([]entry{{name: "dir/", typ: '5'}}, three(metaJSON, data, sums)...), nil), 0, ErrInvalid},
		{"symlink", craft(t, append(three(metaJSON, data, sums), entry{name: MetaFile, typ: '2'}), nil), 0, ErrInvalid},
		{"garbage after the tar stream", craft(t, three(metaJSON, data, sums), []byte("trailing")), 0, ErrInvalid},
		{"too much padding", craft(t, three(metaJSON, data, sums), make([]byte, maxPadding+1)), 0, ErrInvalid},
		{"sums for a third file", craft(t, three(metaJSON, data, fmt.Appendf(bytes.Clone(sums), "%x  other\n", sha256.Sum256(nil))), nil), 0, ErrInvalid},
		{"sums malformed", craft(t, three(metaJSON, data, []byte("nothing here\n")), nil), 0, ErrInvalid},
		{"sums missing state.bin", craft(t, three(metaJSON, data, sums[:bytes.IndexByte(sums, '\n')+1]), nil), 0, ErrInvalid},
		{"state over the limit", good, int64(len(data) - 1), ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tc.in), new(bytes.Buffer), tc.max)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Read = %v, want %v", err, tc.want)
			}
			if _, err := Inspect(bytes.NewReader(tc.in), InspectOptions{MaxStateSize: tc.max}); !errors.Is(err, tc.want) {
				t.Fatalf("Inspect = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestReadAccepts(t *testing.T) {
	meta, data := fsmState(t)
	metaJSON, _ := parts(t, meta, data)
	binarySums := fmt.Appendf(nil, "%s", strings.ReplaceAll(string(sumsOf(metaJSON, data)), "  ", " *"))
	cases := map[string][]byte{
		"GNU tar padding": craft(t, []entry{{name: MetaFile, body: metaJSON}, {name: StateFile, body: data},
			{name: SumsFile, body: sumsOf(metaJSON, data)}}, make([]byte, 10240)),
		"files in another order": craft(t, []entry{{name: SumsFile, body: sumsOf(metaJSON, data)},
			{name: StateFile, body: data}, {name: MetaFile, body: metaJSON}}, nil),
		"binary-mode sums": craft(t, []entry{{name: MetaFile, body: metaJSON}, {name: StateFile, body: data},
			{name: SumsFile, body: binarySums}}, nil),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			var got bytes.Buffer
			if _, err := Read(bytes.NewReader(in), &got, 0); err != nil || !bytes.Equal(got.Bytes(), data) {
				t.Fatalf("Read = %v (%d bytes of state)", err, got.Len())
			}
		})
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

// TestReadBlamesTheWriter: a failure to store the state is not the
// archive's fault.
func TestReadBlamesTheWriter(t *testing.T) {
	meta, data := fsmState(t)
	diskFull := errors.New("disk full")
	_, err := Read(bytes.NewReader(archive(t, meta, data)), failingWriter{diskFull}, 0)
	if !errors.Is(err, diskFull) || errors.Is(err, ErrInvalid) {
		t.Fatalf("Read = %v, want the writer's error and not ErrInvalid", err)
	}
}

func flipAt(b []byte, at int) []byte {
	out := bytes.Clone(b)
	out[at] ^= 0xff
	return out
}
