package command

import (
	"path/filepath"
	"testing"
)

func TestValidate(t *testing.T) {
	dir := filepath.Join("testdata", "validate")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"good hcl", []string{filepath.Join(dir, "good.hcl")}, 0, "Configuration is valid!\n", ""},
		{"good json and hcl together", []string{filepath.Join(dir, "good.hcl"), filepath.Join(dir, "good.json")}, 0, "Configuration is valid!\n", ""},
		{"directory", []string{filepath.Join(dir, "dir")}, 0, "Configuration is valid!\n", ""},
		{"quiet", []string{"-quiet", filepath.Join(dir, "good.json")}, 0, "", ""},
		{"syntax error names the file", []string{filepath.Join(dir, "bad_syntax.hcl")}, 1, "", "bad_syntax.hcl"},
		{"bad value names the file", []string{filepath.Join(dir, "bad_value.hcl")}, 1, "", "bad_value.hcl"},
		{"missing file", []string{filepath.Join(dir, "nope.hcl")}, 1, "", "Config validation failed"},
		{"no arguments", nil, 1, "", "Must specify at least one config file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"validate"}, tt.args...)...)
			if code != tt.wantCode || out != tt.wantOut {
				t.Fatalf("exit %d out %q, want %d %q (stderr %q)", code, out, tt.wantCode, tt.wantOut, errOut)
			}
			mustContain(t, "stderr", errOut, tt.wantErr)
		})
	}
}
