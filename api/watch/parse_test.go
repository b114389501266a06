package watch

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseValid(t *testing.T) {
	cases := []struct {
		name  string
		def   map[string]any
		query query
		check func(t *testing.T, p *Plan)
	}{
		{name: "key", def: map[string]any{"type": "key", "key": "a/b"}, query: query{key: "a/b"}},
		{name: "keyprefix stale", def: map[string]any{"type": "keyprefix", "prefix": "a/", "stale": true},
			query: query{prefix: "a/", stale: true}},
		{name: "services filter", def: map[string]any{"type": "services", "filter": "web in ServiceTags"},
			query: query{filter: "web in ServiceTags"}},
		{name: "nodes", def: map[string]any{"type": "nodes"}},
		{name: "service one tag", def: map[string]any{"type": "service", "service": "web", "tag": "v1", "passingonly": "true"},
			query: query{service: "web", tags: []string{"v1"}, passingOnly: true}},
		{name: "service tag list", def: map[string]any{"type": "service", "service": "web", "tag": []any{"a", "b"}},
			query: query{service: "web", tags: []string{"a", "b"}}},
		{name: "checks state", def: map[string]any{"type": "checks", "state": "critical"}, query: query{state: "critical"}},
		{name: "checks service", def: map[string]any{"type": "checks", "service": "db"}, query: query{service: "db"}},
		{name: "event", def: map[string]any{"type": "event", "name": "deploy"}, query: query{name: "deploy"}},
		{name: "spellings fold", def: map[string]any{"Type": "service", "SERVICE": "web", "passing_only": true},
			query: query{service: "web", passingOnly: true}},
		{
			name: "globals and args",
			def:  map[string]any{"type": "nodes", "datacenter": "dc2", "token": "t", "args": []any{"/bin/echo", "x"}},
			check: func(t *testing.T, p *Plan) {
				if p.Datacenter != "dc2" || p.Token != "t" || p.HandlerType != HandlerScript ||
					!reflect.DeepEqual(p.Script.Args, []string{"/bin/echo", "x"}) || p.HTTP != nil {
					t.Fatalf("plan = %+v script %+v", p, p.Script)
				}
			},
		},
		{
			name: "legacy handler",
			def:  map[string]any{"type": "nodes", "handler": "echo hi | cat"},
			check: func(t *testing.T, p *Plan) {
				if p.HandlerType != HandlerScript || p.Script.Shell != "echo hi | cat" || len(p.Script.Args) != 0 {
					t.Fatalf("script = %+v", p.Script)
				}
			},
		},
		{
			name: "http handler",
			def: map[string]any{"type": "key", "key": "k", "handler_type": "http", "http_handler_config": map[string]any{
				"path": "https://hook.example/x", "method": "put", "timeout": "3s", "tls_skip_verify": true,
				"header": map[string]any{"x-token": []any{"a", "b"}, "X-One": "1"},
			}},
			query: query{key: "k"},
			check: func(t *testing.T, p *Plan) {
				h := p.HTTP
				want := http.Header{"X-Token": {"a", "b"}, "X-One": {"1"}}
				if p.HandlerType != HandlerHTTP || h.URL != "https://hook.example/x" || h.Method != "PUT" ||
					h.Timeout != 3*time.Second || !h.TLSSkipVerify || !reflect.DeepEqual(h.Header, want) {
					t.Fatalf("http handler = %+v", h)
				}
			},
		},
		{
			name: "http defaults",
			def: map[string]any{"type": "nodes", "handler_type": "http",
				"http_handler_config": []any{map[string]any{"path": "http://127.0.0.1:1/"}}},
			check: func(t *testing.T, p *Plan) {
				if p.HTTP.Method != http.MethodPost || p.HTTP.Timeout != DefaultHTTPTimeout {
					t.Fatalf("http handler = %+v", p.HTTP)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.def)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(p.query, tc.query) {
				t.Fatalf("query = %+v, want %+v", p.query, tc.query)
			}
			if tc.check != nil {
				tc.check(t, p)
			} else if p.HandlerType != "" || p.Script != nil || p.HTTP != nil {
				t.Fatalf("handler set without handler keys: %+v", p)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name     string
		def      map[string]any
		key      string // ParamError.Key
		sentinel error
		msg      string // part of the message
	}{
		{"no type", map[string]any{"key": "a"}, "type", ErrMissingParam, "want one of key, keyprefix"},
		{"type not a string", map[string]any{"type": 3.0}, "type", ErrInvalidParam, "the number 3"},
		{"unknown type", map[string]any{"type": "connect_roots"}, "type", ErrUnknownType, `"connect_roots"`},
		{"unknown key", map[string]any{"type": "key", "key": "a", "colour": "red"}, "colour", ErrUnknownParam, "a key watch takes key, stale"},
		{"key of another type", map[string]any{"type": "services", "key": "a"}, "key", ErrUnknownParam, "services watch"},
		{"missing key", map[string]any{"type": "key"}, "key", ErrMissingParam, "a key watch needs key"},
		{"empty prefix", map[string]any{"type": "keyprefix", "prefix": ""}, "prefix", ErrInvalidParam, "must not be empty"},
		{"missing service", map[string]any{"type": "service", "tag": "x"}, "service", ErrMissingParam, ""},
		{"bad bool", map[string]any{"type": "service", "service": "w", "passingonly": "yes"}, "passingonly", ErrInvalidParam, "true or false"},
		{"bad tag", map[string]any{"type": "service", "service": "w", "tag": []any{1.0}}, "tag", ErrInvalidParam, "list of strings"},
		{"service and state", map[string]any{"type": "checks", "service": "w", "state": "passing"}, "state", ErrInvalidParam, "not both"},
		{"bad state", map[string]any{"type": "checks", "state": "sad"}, "state", ErrInvalidParam, `"sad"`},
		{"duplicate spelling", map[string]any{"type": "key", "key": "a", "Key": "b"}, "key", ErrInvalidParam, `same key as "Key"`},
		{"args and handler", map[string]any{"type": "nodes", "args": []any{"x"}, "handler": "y"}, "handler", ErrInvalidParam, "not both"},
		{"empty args", map[string]any{"type": "nodes", "args": []any{}}, "args", ErrInvalidParam, "must not be empty"},
		{"args not a list", map[string]any{"type": "nodes", "args": map[string]any{}}, "args", ErrInvalidParam, "an object"},
		{"script without command", map[string]any{"type": "nodes", "handler_type": "script"}, "handler_type", ErrMissingParam, ""},
		{"bad handler type", map[string]any{"type": "nodes", "handler_type": "grpc"}, "handler_type", ErrInvalidParam, `"grpc"`},
		{"http without config", map[string]any{"type": "nodes", "handler_type": "http"}, "http_handler_config", ErrMissingParam, ""},
		{"http with args", map[string]any{"type": "nodes", "handler_type": "http", "args": []any{"x"},
			"http_handler_config": map[string]any{"path": "http://h/"}}, "handler_type", ErrInvalidParam, ""},
		{"http config without type", map[string]any{"type": "nodes",
			"http_handler_config": map[string]any{"path": "http://h/"}}, "http_handler_config", ErrInvalidParam, `handler_type = "http"`},
		{"http no path", map[string]any{"type": "nodes", "handler_type": "http",
			"http_handler_config": map[string]any{}}, "http_handler_config.path", ErrMissingParam, ""},
		{"http bad path", map[string]any{"type": "nodes", "handler_type": "http",
			"http_handler_config": map[string]any{"path": "ftp://h/"}}, "http_handler_config.path", ErrInvalidParam, "not an http"},
		{"http bad timeout", map[string]any{"type": "nodes", "handler_type": "http",
			"http_handler_config": map[string]any{"path": "http://h/", "timeout": "soon"}}, "http_handler_config.timeout", ErrInvalidParam, ""},
		{"http bad method", map[string]any{"type": "nodes", "handler_type": "http",
			"http_handler_config": map[string]any{"path": "http://h/", "method": "GE T"}}, "http_handler_config.method", ErrInvalidParam, ""},
		{"http bad header", map[string]any{"type": "nodes", "handler_type": "http",
			"http_handler_config": map[string]any{"path": "http://h/", "header": map[string]any{"a": "x\r\ny"}}},
			"http_handler_config.header", ErrInvalidParam, "line break"},
		{"http unknown key", map[string]any{"type": "nodes", "handler_type": "http",
			"http_handler_config": map[string]any{"path": "http://h/", "retries": 3.0}}, "http_handler_config.retries", ErrUnknownParam, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.def)
			var pe *ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v, want a *ParamError", err)
			}
			if pe.Key != tc.key || !errors.Is(err, tc.sentinel) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error = %q (key %q), want key %q, %v, containing %q", err, pe.Key, tc.key, tc.sentinel, tc.msg)
			}
		})
	}
}
