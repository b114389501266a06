package config

import (
	"reflect"
	"strings"
	"testing"
)

// TestWatchesHCLAndJSONAgree: the same watches written in HCL (list of
// objects and block form) and JSON load into the same definitions.
func TestWatchesHCLAndJSONAgree(t *testing.T) {
	dir := t.TempDir()
	hclList := writeFile(t, dir, "list.hcl", `
watches = [
  {
    type = "key"
    key  = "app/config"
    args = ["/usr/local/bin/reload", "-v"]
  },
  {
    type         = "service"
    service      = "web"
    tag          = ["v1"]
    passingonly  = true
    handler_type = "http"
    http_handler_config = {
      path    = "https://hooks.example/web"
      method  = "PUT"
      header  = { x-team = ["infra"] }
      timeout = "5s"
    }
  },
]
`)
	hclBlocks := writeFile(t, dir, "blocks.hcl", `
watches {
  type = "key"
  key  = "app/config"
  args = ["/usr/local/bin/reload", "-v"]
}
watches {
  type         = "service"
  service      = "web"
  tag          = ["v1"]
  passingonly  = true
  handler_type = "http"
  http_handler_config {
    path    = "https://hooks.example/web"
    method  = "PUT"
    header  = { x-team = ["infra"] }
    timeout = "5s"
  }
}
`)
	js := writeFile(t, dir, "w.json", `{"watches": [
  {"type": "key", "key": "app/config", "args": ["/usr/local/bin/reload", "-v"]},
  {"type": "service", "service": "web", "tag": ["v1"], "passingonly": true, "handler_type": "http",
   "http_handler_config": {"path": "https://hooks.example/web", "method": "PUT",
     "header": {"x-team": ["infra"]}, "timeout": "5s"}}
]}`)
	want, warnings := mustLoad(t, append(devArgs, "-config-file", js)...)
	if len(want.Watches) != 2 || len(warnings) != 0 {
		t.Fatalf("json: %d watches, warnings %v", len(want.Watches), warnings)
	}
	for _, f := range []string{hclList, hclBlocks} {
		got, _ := mustLoad(t, append(devArgs, "-config-file", f)...)
		if !reflect.DeepEqual(got.Watches, want.Watches) {
			t.Errorf("%s:\n got  %v\n want %v", f, got.Watches, want.Watches)
		}
	}
}

func TestWatchesAppendAcrossSources(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.hcl", `watches = [{ type = "nodes", handler = "echo a" }]`)
	writeFile(t, dir, "b.json", `{"watches": [{"type": "services", "handler": "echo b"}]}`)
	rt, _ := mustLoad(t, append(devArgs, "-config-dir", dir, "-hcl", `watches = [{ type = "event", args = ["c"] }]`)...)
	var types []string
	for _, w := range rt.Watches {
		types = append(types, w["type"].(string))
	}
	if strings.Join(types, ",") != "nodes,services,event" {
		t.Fatalf("watch types %v", types)
	}
}

// TestBadWatchNamesFileLineAndKey: a bad watch is refused with the file,
// the line of the offending key (or of the entry, for a missing one) and
// the key's path.
func TestBadWatchNamesFileLineAndKey(t *testing.T) {
	cases := []struct {
		name, file, body string
		want             string
	}{
		{"unknown key", "w.hcl", `
watches = [
  {
    type   = "key"
    key    = "a"
    colour = "red"
    args   = ["x"]
  }
]`, `w.hcl:6: watches[0].colour: unknown parameter: a key watch takes key, stale`},
		{"unknown type", "w.hcl", `watches = [{ type = "roots", args = ["x"] }]`,
			`w.hcl:1: watches[0].type: unknown watch type: "roots"`},
		{"missing key", "w.json", `{
  "watches": [
    {"type": "nodes", "args": ["x"]},
    {"type": "keyprefix", "args": ["x"]}
  ]
}`, `w.json:4: watches[1].prefix: missing parameter: a keyprefix watch needs prefix`},
		{"bad nested key", "w.hcl", `
watches {
  type = "nodes"
  handler_type = "http"
  http_handler_config {
    path = "https://h/x"
    timeout = "soon"
  }
}`, `w.hcl:7: watches[0].http_handler_config.timeout: invalid parameter: "soon" is not a duration`},
		{"no handler", "w.hcl", `
watches = [
  { type = "services" }
]`, `w.hcl:3: watches[0]: a watch needs a handler`},
		{"not an object", "w.json", `{"watches": ["key"]}`, `w.json:1: watches[0]: expected an object, got a string`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := writeFile(t, t.TempDir(), tc.file, tc.body)
			_, _, err := Load(append(devArgs, "-config-file", f))
			if err == nil {
				t.Fatal("a bad watch loaded")
			}
			if got := strings.TrimPrefix(err.Error(), strings.TrimSuffix(f, tc.file)); !strings.Contains(got, tc.want) {
				t.Fatalf("error %q\nwant it to contain %q", got, tc.want)
			}
		})
	}
}

// TestValidateChecksWatches: pylon validate (LoadFiles) checks them too.
func TestValidateChecksWatches(t *testing.T) {
	f := writeFile(t, t.TempDir(), "w.hcl", `watches = [{ type = "checks", state = "sad", args = ["x"] }]`)
	if _, _, err := LoadFiles([]string{f}); err == nil || !strings.Contains(err.Error(), "watches[0].state") {
		t.Fatalf("LoadFiles error = %v", err)
	}
}
