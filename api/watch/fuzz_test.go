package watch

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

// FuzzParse feeds Parse arbitrary JSON objects: it must not panic, every
// error must be a *ParamError, and a plan it accepts must be runnable.
func FuzzParse(f *testing.F) {
	seeds := []string{
		`{"type":"key","key":"a/b","args":["/bin/true"]}`,
		`{"type":"keyprefix","prefix":"a/","handler":"cat","stale":"true"}`,
		`{"type":"service","service":"web","tag":["a","b"],"passingonly":true,"filter":"x"}`,
		`{"type":"checks","state":"critical","datacenter":"dc1","token":"t"}`,
		`{"type":"checks","service":"web","state":"passing"}`,
		`{"type":"event","name":"deploy"}`,
		`{"type":"nodes","handler_type":"http","http_handler_config":{"path":"http://h/x","method":"PUT",` +
			`"header":{"a":["b"]},"timeout":"5s","tls_skip_verify":true}}`,
		`{"type":"services","handler_type":"http","http_handler_config":[{"path":"https://h"}]}`,
		`{"type":"key","Key":"a","key":"b"}`,
		`{"type":7}`, `{}`, `{"type":"event","args":[]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var def map[string]any
		if json.Unmarshal(data, &def) != nil {
			return
		}
		p, err := Parse(def)
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) || !errors.Is(err, pe.Err) {
				t.Fatalf("error %v is not a *ParamError", err)
			}
			return
		}
		if !slices.Contains(kindNames, p.Type) || p.kind.fetch == nil {
			t.Fatalf("accepted type %q has no fetch", p.Type)
		}
		switch p.HandlerType {
		case "":
			if p.Script != nil || p.HTTP != nil {
				t.Fatal("a handler without a handler type")
			}
		case HandlerScript:
			if p.Script == nil || (len(p.Script.Args) == 0 && p.Script.Shell == "") {
				t.Fatalf("script handler without a command: %+v", p.Script)
			}
		case HandlerHTTP:
			if p.HTTP == nil || p.HTTP.URL == "" || p.HTTP.Method == "" || p.HTTP.Timeout <= 0 {
				t.Fatalf("http handler incomplete: %+v", p.HTTP)
			}
		default:
			t.Fatalf("handler type %q", p.HandlerType)
		}
	})
}
