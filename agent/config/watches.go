package config

import (
	"errors"
	"fmt"

	"github.com/pylonmesh/pylon/api/watch"
)

// watchEntry is one element of `watches`: a free-form definition that
// watch.Parse checks, kept with where the entry and each of its keys were
// written so that an error names the line of the offending key.
type watchEntry struct {
	def  map[string]any
	at   pos
	path string         // "watches[2]"
	keys map[string]pos // key as written ("http_handler_config.path") -> where
}

var _ nodeDecoder = (*watchEntry)(nil)

func (e *watchEntry) decodeNode(n *node, path string) error {
	if n.kind != kindObject {
		return &decodeError{n.pos, path, fmt.Sprintf("expected %s, got %s", kindObject, n.kind)}
	}
	e.def, _ = n.generic().(map[string]any)
	e.at, e.path = n.pos, path
	e.keys = map[string]pos{}
	collectKeyPos(n, "", e.keys)
	return nil
}

// collectKeyPos records the position of every key under an object node,
// nested keys joined with '.'.
func collectKeyPos(n *node, prefix string, out map[string]pos) {
	for _, f := range n.fields {
		key := joinPath(prefix, f.key)
		out[key] = f.pos
		if f.val.kind == kindObject {
			collectKeyPos(f.val, key, out)
		}
		if f.val.kind == kindList && len(f.val.list) == 1 && f.val.list[0].kind == kindObject {
			collectKeyPos(f.val.list[0], key, out) // a block written as a list of one
		}
	}
}

// watches checks every watch definition; an agent's watch must name a
// handler (`pylon watch` supplies its own, the agent has none).
func (fc *fileConfig) watches(rt *Runtime, _ buildOptions) error {
	for i := range fc.Watches {
		e := &fc.Watches[i]
		p, err := watch.Parse(e.def)
		if err != nil {
			return e.error(err)
		}
		if p.HandlerType == "" {
			return &decodeError{e.at, e.path, `a watch needs a handler: args, handler, or handler_type = "http" with http_handler_config`}
		}
		rt.Watches = append(rt.Watches, e.def)
	}
	return nil
}

// error turns a watch.Parse error into one naming the file, line and key.
func (e *watchEntry) error(err error) error {
	var pe *watch.ParamError
	if !errors.As(err, &pe) {
		return &decodeError{e.at, e.path, err.Error()}
	}
	at, ok := e.keys[pe.Key]
	if !ok {
		at = e.at // a missing key: the entry's line
	}
	return &decodeError{at, joinPath(e.path, pe.Key), pe.Err.Error()}
}
