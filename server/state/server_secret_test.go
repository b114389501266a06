package state

import (
	"errors"
	"testing"
)

// TestServerSecretFirstStaysAndSurvivesSnapshots: the first secret stored
// is kept (a second leader's attempt changes nothing), an empty one is
// refused, and a snapshot carries it to a restored store.
func TestServerSecretFirstStaysAndSurvivesSnapshots(t *testing.T) {
	s := newStore(t)
	if got, err := s.ServerSecret(); err != nil || got != "" {
		t.Fatalf("empty store = %q, %v", got, err)
	}
	if err := s.SetServerSecret(3, &ServerSecretRequest{}); !errors.Is(err, ErrMissingSecret) {
		t.Fatalf("empty secret = %v, want ErrMissingSecret", err)
	}
	for i, secret := range []string{"first", "second"} {
		if err := s.SetServerSecret(uint64(4+i), &ServerSecretRequest{Secret: secret}); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s.ServerSecret(); got != "first" {
		t.Fatalf("secret = %q, want the first one", got)
	}
	if idx := s.LastIndex(); idx != 4 {
		t.Fatalf("index after a second secret that changed nothing = %d, want 4", idx)
	}

	if got, _ := restoredCopy(t, s).ServerSecret(); got != "first" {
		t.Fatalf("restored secret = %q, want first", got)
	}
}
