package watch

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Parse builds a Plan from a watch definition: the keys of a `watches`
// entry in an agent config file ("type", "datacenter", "token", "args",
// "handler", "handler_type", "http_handler_config" and the parameters of
// the type). Keys match ignoring case, '_' and '-'. Values are what JSON or
// HCL decoding gives: strings, booleans, lists ([]any or []string) and
// maps. Every problem is a *ParamError naming the key.
//
// A definition without a handler parses (the caller sets Plan.Handler, as
// `pylon watch` does); a definition with one fills Plan.Script or Plan.HTTP.
func Parse(def map[string]any) (*Plan, error) {
	keys := slices.Sorted(maps.Keys(def))         // deterministic errors
	written := make(map[string]string, len(keys)) // normalized -> as written
	for _, k := range keys {
		n := normalize(k)
		if prev, dup := written[n]; dup {
			return nil, paramErr(k, ErrInvalidParam, "the same key as %q", prev)
		}
		written[n] = k
	}
	typ, kd, err := parseType(def, written)
	if err != nil {
		return nil, err
	}
	p := &Plan{Type: typ, kind: kd}
	var hd handlerDef
	for _, k := range keys {
		n := normalize(k)
		if n == "type" {
			continue
		}
		if set, ok := globalSetters[n]; ok {
			if err := set(p, &hd, def[k]); err != nil {
				return nil, atKey(k, err)
			}
			continue
		}
		set, ok := querySetters[n]
		if !ok || !slices.Contains(kd.params, n) {
			return nil, paramErr(k, ErrUnknownParam, "%s", kd.describe(typ))
		}
		if err := set(&p.query, def[k]); err != nil {
			return nil, atKey(k, err)
		}
	}
	for _, r := range kd.required {
		if isEmpty(&p.query, r) {
			key := written[r]
			if key == "" {
				return nil, paramErr(r, ErrMissingParam, "a %s watch needs %s", typ, r)
			}
			return nil, paramErr(key, ErrInvalidParam, "must not be empty")
		}
	}
	if kd.check != nil {
		if err := kd.check(&p.query); err != nil {
			return nil, err
		}
	}
	if err := hd.build(p); err != nil {
		return nil, err
	}
	return p, nil
}

func parseType(def map[string]any, written map[string]string) (string, kind, error) {
	key, ok := written["type"]
	if !ok {
		return "", kind{}, paramErr("type", ErrMissingParam, "want one of %s", strings.Join(kindNames, ", "))
	}
	typ, err := asString(def[key])
	if err != nil {
		return "", kind{}, atKey(key, err)
	}
	kd, ok := kinds[typ]
	if !ok {
		return "", kind{}, paramErr(key, ErrUnknownType, "%q (want one of %s)", typ, strings.Join(kindNames, ", "))
	}
	return typ, kd, nil
}

// querySetters decode the type-specific parameters.
var querySetters = map[string]func(q *query, v any) error{
	"key":         func(q *query, v any) (err error) { q.key, err = asString(v); return err },
	"prefix":      func(q *query, v any) (err error) { q.prefix, err = asString(v); return err },
	"service":     func(q *query, v any) (err error) { q.service, err = asString(v); return err },
	"state":       func(q *query, v any) (err error) { q.state, err = asString(v); return err },
	"name":        func(q *query, v any) (err error) { q.name, err = asString(v); return err },
	"filter":      func(q *query, v any) (err error) { q.filter, err = asString(v); return err },
	"tag":         func(q *query, v any) (err error) { q.tags, err = asStrings(v); return err },
	"passingonly": func(q *query, v any) (err error) { q.passingOnly, err = asBool(v); return err },
	"stale":       func(q *query, v any) (err error) { q.stale, err = asBool(v); return err },
}

// isEmpty reports whether a required string parameter is unset or "".
func isEmpty(q *query, name string) bool {
	switch name {
	case "key":
		return q.key == ""
	case "prefix":
		return q.prefix == ""
	case "service":
		return q.service == ""
	}
	return false
}

// globalSetters decode the keys every type takes.
var globalSetters = map[string]func(p *Plan, hd *handlerDef, v any) error{
	"datacenter": func(p *Plan, _ *handlerDef, v any) (err error) { p.Datacenter, err = asString(v); return err },
	"token":      func(p *Plan, _ *handlerDef, v any) (err error) { p.Token, err = asString(v); return err },
	"args": func(_ *Plan, hd *handlerDef, v any) (err error) {
		hd.argsSet = true
		hd.args, err = asStrings(v)
		return err
	},
	"handler": func(_ *Plan, hd *handlerDef, v any) (err error) {
		hd.shellSet = true
		hd.shell, err = asString(v)
		return err
	},
	"handlertype": func(_ *Plan, hd *handlerDef, v any) (err error) { hd.typ, err = asString(v); return err },
	"httphandlerconfig": func(_ *Plan, hd *handlerDef, v any) (err error) {
		hd.http, err = parseHTTPConfig(v)
		return err
	},
}

// handlerDef collects the handler keys until they can be checked together.
type handlerDef struct {
	typ      string
	args     []string
	argsSet  bool
	shell    string
	shellSet bool
	http     *HTTPHandler
}

// build checks the handler keys and sets p.HandlerType, p.Script or p.HTTP.
func (hd *handlerDef) build(p *Plan) error {
	script := hd.argsSet || hd.shellSet
	switch {
	case hd.argsSet && hd.shellSet:
		return paramErr("handler", ErrInvalidParam, "give args or handler, not both")
	case hd.argsSet && len(hd.args) == 0:
		return paramErr("args", ErrInvalidParam, "must not be empty")
	case hd.shellSet && strings.TrimSpace(hd.shell) == "":
		return paramErr("handler", ErrInvalidParam, "must not be empty")
	}
	typ := hd.typ
	if typ == "" && script {
		typ = HandlerScript
	}
	switch typ {
	case "":
		if hd.http != nil {
			return paramErr("http_handler_config", ErrInvalidParam, `needs handler_type = "http"`)
		}
	case HandlerScript:
		if !script {
			return paramErr("handler_type", ErrMissingParam, "a script handler needs args or handler")
		}
		if hd.http != nil {
			return paramErr("http_handler_config", ErrInvalidParam, `needs handler_type = "http"`)
		}
		p.Script = &ScriptHandler{Args: hd.args, Shell: hd.shell}
	case HandlerHTTP:
		if script {
			return paramErr("handler_type", ErrInvalidParam, "an http handler takes no args or handler")
		}
		if hd.http == nil {
			return paramErr("http_handler_config", ErrMissingParam, "an http handler needs it")
		}
		p.HTTP = hd.http
	default:
		return paramErr("handler_type", ErrInvalidParam, "%q (want script or http)", typ)
	}
	p.HandlerType = typ
	return nil
}

// atKey puts key in front of an error from a value decoder: a *ParamError
// from a nested map gets key as a prefix.
func atKey(key string, err error) error {
	if pe, ok := err.(*ParamError); ok {
		return &ParamError{Key: key + "." + pe.Key, Err: pe.Err}
	}
	return &ParamError{Key: key, Err: err}
}

// normalize folds the spellings of a key: case, '_' and '-' do not matter.
func normalize(k string) string {
	return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(k))
}

func asString(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", invalid("a string", v)
}

func asBool(v any) (bool, error) {
	switch b := v.(type) {
	case bool:
		return b, nil
	case string:
		switch strings.ToLower(b) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, invalid("true or false", v)
}

// asStrings accepts a list of strings, or one string as a list of one.
func asStrings(v any) ([]string, error) {
	switch l := v.(type) {
	case string:
		return []string{l}, nil
	case []string:
		return slices.Clone(l), nil
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, invalid("a list of strings", v)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, invalid("a list of strings", v)
}

// asMap accepts an object, or a list holding exactly one (an HCL block
// may decode that way).
func asMap(v any) (map[string]any, error) {
	switch m := v.(type) {
	case map[string]any:
		return m, nil
	case []any:
		if len(m) == 1 {
			if inner, ok := m[0].(map[string]any); ok {
				return inner, nil
			}
		}
	}
	return nil, invalid("an object", v)
}

func invalid(want string, got any) error {
	return fmt.Errorf("%w: want %s, got %s", ErrInvalidParam, want, describe(got))
}

// describe names a decoded value's JSON kind for error messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", v)
	case bool:
		return fmt.Sprintf("the boolean %t", v)
	case float64, float32, int, int64, int32, uint64:
		return fmt.Sprintf("the number %v", v)
	case []any, []string:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}
