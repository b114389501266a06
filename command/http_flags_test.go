package command

import (
	"os"
	"path/filepath"
	"testing"
)

// TestHTTPFlagsAndEnv checks where the agent address and the token come
// from: flags beat the environment, Pylon's variables beat Consul's, and a
// token file beats a token.
func TestHTTPFlagsAndEnv(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := newFakeAgent(t, map[string]route{"GET /v1/catalog/datacenters": {body: `["dc1"]`}})
	other := newFakeAgent(t, map[string]route{"GET /v1/catalog/datacenters": {body: `["other"]`}})
	tests := []struct {
		name      string
		env       map[string]string
		flags     []string
		wantToken string
	}{
		{"consul addr env", map[string]string{"CONSUL_HTTP_ADDR": good.srv.URL}, nil, ""},
		{"pylon addr env wins", map[string]string{"CONSUL_HTTP_ADDR": other.srv.URL, "PYLON_HTTP_ADDR": good.srv.URL}, nil, ""},
		{"flag wins over env", map[string]string{"PYLON_HTTP_ADDR": other.srv.URL}, []string{"-http-addr", good.srv.URL}, ""},
		{"bare host:port", nil, []string{"-http-addr", good.srv.Listener.Addr().String()}, ""},
		{"token env", map[string]string{"CONSUL_HTTP_ADDR": good.srv.URL, "CONSUL_HTTP_TOKEN": "env-token"}, nil, "env-token"},
		{"pylon token env wins", map[string]string{"CONSUL_HTTP_ADDR": good.srv.URL, "CONSUL_HTTP_TOKEN": "c", "PYLON_HTTP_TOKEN": "p"}, nil, "p"},
		{"token flag beats env token file", map[string]string{"CONSUL_HTTP_ADDR": good.srv.URL, "CONSUL_HTTP_TOKEN_FILE": tokenFile},
			[]string{"-token", "flag-token"}, "flag-token"},
		{"env token file beats env token", map[string]string{"CONSUL_HTTP_ADDR": good.srv.URL, "CONSUL_HTTP_TOKEN": "t",
			"CONSUL_HTTP_TOKEN_FILE": tokenFile}, nil, "file-token"},
		{"token file flag beats token flag", map[string]string{"CONSUL_HTTP_ADDR": good.srv.URL},
			[]string{"-token", "flag-token", "-token-file", tokenFile}, "file-token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			before := len(good.requests())
			out, errOut, code := run(t, append([]string{"catalog", "datacenters"}, tt.flags...)...)
			if code != 0 || out != "dc1\n" {
				t.Fatalf("exit %d, out %q, err %q", code, out, errOut)
			}
			reqs := good.requests()
			if len(reqs) != before+1 || reqs[len(reqs)-1].token != tt.wantToken {
				t.Fatalf("token %q, want %q", reqs[len(reqs)-1].token, tt.wantToken)
			}
		})
	}
}

func TestHTTPFlagErrors(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown scheme", []string{"catalog", "datacenters", "-http-addr", "gopher://x"}, "Error connecting to Pylon agent"},
		{"missing token file", []string{"catalog", "datacenters", "-token-file", "/nonexistent/token"}, "load token file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, tt.args...)
			if code != 1 {
				t.Fatalf("exit %d", code)
			}
			mustContain(t, "stderr", errOut, tt.wantErr)
		})
	}
}
