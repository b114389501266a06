package gossip

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// mustKey returns a fresh gossip key.
func mustKey(t testing.TB) string {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// withKey sets the encryption key of a test pool.
func withKey(key string) func(*Config) { return func(c *Config) { c.EncryptKey = key } }

func TestGenerateKey(t *testing.T) {
	a, b := mustKey(t), mustKey(t)
	if a == b {
		t.Fatal("two generated keys are equal")
	}
	raw, err := DecodeKey(a)
	if err != nil || len(raw) != 32 {
		t.Fatalf("DecodeKey(GenerateKey()) = %d bytes, %v", len(raw), err)
	}
}

func TestDecodeKey(t *testing.T) {
	for _, tc := range []struct {
		key string
		ok  bool
	}{
		{base64.StdEncoding.EncodeToString(make([]byte, 16)), true},
		{base64.StdEncoding.EncodeToString(make([]byte, 24)), true},
		{base64.StdEncoding.EncodeToString(make([]byte, 32)), true},
		{base64.StdEncoding.EncodeToString(make([]byte, 31)), false},
		{"", false},
		{"not base64!", false},
	} {
		_, err := DecodeKey(tc.key)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalidKey)) {
			t.Errorf("DecodeKey(%q) = %v, want ok=%v", tc.key, err, tc.ok)
		}
	}
}

func TestParseKeyring(t *testing.T) {
	k16 := base64.StdEncoding.EncodeToString(make([]byte, 16))
	k32 := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, tc := range []struct {
		name, data string
		want       int
	}{
		{"two keys", `["` + k32 + `", "` + k16 + `"]`, 2},
		{"one key", `["` + k16 + `"]`, 1},
		{"empty", `[]`, -1},
		{"not json", `[`, -1},
		{"object", `{"a": "b"}`, -1},
		{"bad key", `["` + k32 + `", "AAAA"]`, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := ParseKeyring([]byte(tc.data))
			if tc.want < 0 {
				if err == nil {
					t.Fatalf("accepted %s", tc.data)
				}
				return
			}
			if err != nil || len(keys) != tc.want {
				t.Fatalf("got %d keys, %v; want %d", len(keys), err, tc.want)
			}
		})
	}
}

func FuzzParseKeyring(f *testing.F) {
	f.Add([]byte(`["` + base64.StdEncoding.EncodeToString(make([]byte, 32)) + `"]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`["AAAA", 1]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseKeyring(data)
		if err != nil {
			return
		}
		if len(keys) == 0 {
			t.Fatal("no keys without an error")
		}
		for _, k := range keys {
			if n := len(k); n != 16 && n != 24 && n != 32 {
				t.Fatalf("key of %d bytes", n)
			}
		}
	})
}

func TestWrongKeyCannotJoin(t *testing.T) {
	key := mustKey(t)
	pools := newCluster(t, 2, withKey(key))
	for _, p := range pools {
		if !p.Encrypted() {
			t.Fatalf("%s is not encrypted", p.LocalMember().Name)
		}
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"other key", withKey(mustKey(t))},
		{"no key", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			intruder := newPool(t, "intruder", tc.edit)
			if n, err := intruder.Join([]string{pools[0].addr()}); err == nil {
				t.Fatalf("joined %d members with the wrong key", n)
			}
			if statusOf(pools[0].Pool, "intruder") != StatusNone {
				t.Fatal("the pool knows the intruder")
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	oldKey, newKey := mustKey(t), mustKey(t)
	dir := t.TempDir()
	pools := newCluster(t, 3, func(c *Config) {
		c.EncryptKey = oldKey
		c.DataDir = filepath.Join(dir, c.NodeName)
	})
	steps := []struct {
		name string
		op   func(string) (*KeyResponse, error)
		key  string
	}{
		{"install", pools[0].InstallKey, newKey},
		{"use", pools[1].UseKey, newKey},
		{"remove", pools[2].RemoveKey, oldKey},
	}
	// Each step is repeated (they are idempotent) until all three members
	// answer: on a loaded machine a member may briefly look failed.
	for _, s := range steps {
		var last string
		waitFor(t, func() bool {
			resp, err := s.op(s.key)
			last = fmt.Sprintf("%+v, %v", resp, err)
			return err == nil && resp.NumNodes == 3 && resp.NumResp == 3 && resp.NumErr == 0
		}, "%s on 3 members: last %s", s.name, lazy(func() string { return last }))
	}
	want := map[string]int{newKey: 3}
	var last string
	waitFor(t, func() bool {
		resp, err := pools[0].ListKeys()
		last = fmt.Sprintf("%+v, %v", resp, err)
		return err == nil && reflect.DeepEqual(resp.Keys, want) && reflect.DeepEqual(resp.PrimaryKeys, want)
	}, "only the new key on 3 members: last %s", lazy(func() string { return last }))
	// The keyring files hold the new key only.
	for _, p := range pools {
		data, err := os.ReadFile(filepath.Join(dir, p.LocalMember().Name, "serf", "local.keyring"))
		if err != nil {
			t.Fatal(err)
		}
		keys, err := ParseKeyring(data)
		if err != nil || len(keys) != 1 || base64.StdEncoding.EncodeToString(keys[0]) != newKey {
			t.Fatalf("keyring file of %s = %s, %v", p.LocalMember().Name, data, err)
		}
	}
	// Gossip still flows, and only the new key gets in.
	if err := pools[2].UserEvent("after-rotation", nil, false); err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		waitFor(t, func() bool {
			return p.events.count(func(e Event) bool { return e.Name == "after-rotation" }) == 1
		}, "%s receives the event", p.LocalMember().Name)
	}
	stale := newPool(t, "stale", withKey(oldKey))
	if _, err := stale.Join([]string{pools[0].addr()}); err == nil {
		t.Fatal("joined with the removed key")
	}
	fresh := newPool(t, "fresh", withKey(newKey))
	if _, err := fresh.Join([]string{pools[0].addr()}); err != nil {
		t.Fatalf("join with the new key: %v", err)
	}
}

func TestRemovePrimaryKeyFails(t *testing.T) {
	key := mustKey(t)
	pools := newCluster(t, 2, withKey(key))
	resp, err := pools[0].RemoveKey(key)
	if err == nil || resp.NumErr != 2 || len(resp.Messages) != 2 {
		t.Fatalf("remove primary = %+v, %v; want an error from both members", resp, err)
	}
}

func TestKeyringFileSurvivesRestart(t *testing.T) {
	key := mustKey(t)
	dir := t.TempDir()
	first := newPool(t, "node0", func(c *Config) { c.EncryptKey, c.DataDir = key, dir })
	if err := first.Shutdown(); err != nil {
		t.Fatal(err)
	}
	// No key configured: the keyring file alone turns encryption on.
	again := newPool(t, "node0", func(c *Config) { c.DataDir = dir })
	resp, err := again.ListKeys()
	if err != nil || resp.PrimaryKeys[key] != 1 {
		t.Fatalf("keys after restart = %+v, %v", resp, err)
	}
}

func TestCorruptKeyringFileFailsStart(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "serf"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "serf", "local.keyring"), []byte("[1]"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultLANConfig().Fast()
	cfg.NodeName, cfg.DataDir = "n", dir
	if p, err := New(cfg); err == nil {
		_ = p.Shutdown()
		t.Fatal("started with a corrupt keyring file")
	}
}

func TestKeyOpsWithoutEncryption(t *testing.T) {
	p := newPool(t, "solo", nil)
	if _, err := p.ListKeys(); !errors.Is(err, ErrEncryptionDisabled) {
		t.Fatalf("ListKeys = %v, want ErrEncryptionDisabled", err)
	}
	if _, err := p.InstallKey(mustKey(t)); !errors.Is(err, ErrEncryptionDisabled) {
		t.Fatalf("InstallKey = %v, want ErrEncryptionDisabled", err)
	}
}

func TestKeyOpsRejectBadKeys(t *testing.T) {
	p := newPool(t, "solo", withKey(mustKey(t)))
	if _, err := p.InstallKey("AAAA"); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("InstallKey(bad) = %v, want ErrInvalidKey", err)
	}
}

func TestConfiguredKeyJoinsTheKeyringFile(t *testing.T) {
	inFile, configured := mustKey(t), mustKey(t)
	for _, wan := range []bool{false, true} {
		cfg := DefaultLANConfig()
		if wan {
			cfg = DefaultWANConfig()
		}
		cfg.DataDir, cfg.EncryptKey = t.TempDir(), configured
		raw, _ := DecodeKey(inFile)
		if err := writeKeyring(cfg.keyringPath(), [][]byte{raw}); err != nil {
			t.Fatal(err)
		}
		ring, err := loadKeyring(cfg)
		if err != nil {
			t.Fatal(err)
		}
		keys := ring.GetKeys()
		if len(keys) != 2 || base64.StdEncoding.EncodeToString(keys[0]) != inFile ||
			base64.StdEncoding.EncodeToString(keys[1]) != configured {
			t.Fatalf("wan=%v: keyring = %d keys, want the file's key primary and the configured one second", wan, len(keys))
		}
		want := "local.keyring"
		if wan {
			want = "remote.keyring"
		}
		if filepath.Base(cfg.keyringPath()) != want {
			t.Fatalf("keyring path %s, want %s", cfg.keyringPath(), want)
		}
	}
}

// TestEncryptionRollout: encryption is turned on in a running plaintext
// pool as Consul documents: a member with the key that sends and accepts
// plaintext joins it; once it sends encrypted (or verifies both ways) it
// no longer can.
func TestEncryptionRollout(t *testing.T) {
	key := mustKey(t)
	plain := newCluster(t, 2, nil)
	for _, tc := range []struct {
		name       string
		accept     bool
		send       bool
		joinsPlain bool
	}{
		{"key, plaintext both ways", true, true, true},
		{"key, plaintext accepted only", true, false, false},
		{"key, verified both ways", false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPool(t, "rolled", func(c *Config) {
				withKey(key)(c)
				c.AcceptPlaintext, c.SendPlaintext = tc.accept, tc.send
			})
			_, err := p.Join([]string{plain[0].addr()})
			if joined := err == nil; joined != tc.joinsPlain {
				t.Fatalf("joining the plaintext pool: %v, want joined=%v", err, tc.joinsPlain)
			}
			if err == nil {
				_ = p.Leave()
			}
		})
	}
}
