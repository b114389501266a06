package version

import (
	"strings"
	"testing"
)

func TestRevision(t *testing.T) {
	tests := []struct {
		name, commit, want string
	}{
		{"long sha is cut", "0123456789abcdef", "012345678"},
		{"short sha kept", "abc", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := GitCommit
			t.Cleanup(func() { GitCommit = old })
			GitCommit = tt.commit
			if got := Revision(); got != tt.want {
				t.Fatalf("Revision() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVersionHasNoPrefix(t *testing.T) {
	if strings.HasPrefix(Version, "v") || strings.Count(Version, ".") != 2 {
		t.Fatalf("Version = %q, want MAJOR.MINOR.PATCH without v", Version)
	}
	if ProtocolMin > ProtocolDefault || ProtocolDefault > ProtocolMax {
		t.Fatalf("protocol range %d..%d does not hold default %d", ProtocolMin, ProtocolMax, ProtocolDefault)
	}
}
