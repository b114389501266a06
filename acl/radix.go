package acl

import "strings"

// tree holds the rules of one resource kind, exact and prefix, in a
// radix tree keyed by segment. One walk from the root along a name finds
// both its exact rule and its longest prefix rule, in time proportional
// to the name's length whatever the number of rules.
type tree struct {
	root node
}

// node is one point in the tree; its key is the concatenation of the
// edges from the root.
type node struct {
	edge     string
	children []*node // sorted by edge[0], which is unique among siblings
	exact    Access  // rule for the key itself, AccessNone if none
	prefix   Access  // rule for every name starting with the key
}

// child finds the child whose edge starts with c, or where to insert one.
func (n *node) child(c byte) (*node, int) {
	lo, hi := 0, len(n.children)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if n.children[m].edge[0] < c {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(n.children) && n.children[lo].edge[0] == c {
		return n.children[lo], lo
	}
	return nil, lo
}

// insert returns the node for key, creating it (and splitting an edge)
// as needed.
func (t *tree) insert(key string) *node {
	n := &t.root
	for key != "" {
		c, i := n.child(key[0])
		if c == nil {
			c = &node{edge: key}
			n.children = append(n.children, nil)
			copy(n.children[i+1:], n.children[i:])
			n.children[i] = c
			return c
		}
		common := commonPrefix(c.edge, key)
		if common < len(c.edge) {
			mid := &node{edge: c.edge[:common], children: []*node{c}}
			c.edge = c.edge[common:]
			n.children[i] = mid
			c = mid
		}
		n, key = c, key[common:]
	}
	return n
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// add merges a rule into the tree: for the same key and kind the rule
// that takes precedence stays.
func (t *tree) add(segment string, prefix bool, a Access) {
	n := t.insert(segment)
	slot := &n.exact
	if prefix {
		slot = &n.prefix
	}
	if takesPrecedence(a, *slot) {
		*slot = a
	}
}

// lookup returns the access for name: its exact rule if there is one,
// else its longest prefix rule, else AccessNone.
func (t *tree) lookup(name string) Access {
	n := &t.root
	best := n.prefix
	for name != "" {
		c, _ := n.child(name[0])
		if c == nil || !strings.HasPrefix(name, c.edge) {
			return best
		}
		name, n = name[len(c.edge):], c
		if n.prefix != AccessNone {
			best = n.prefix
		}
	}
	if n.exact != AccessNone {
		return n.exact
	}
	return best
}

// longestPrefix returns the longest prefix rule covering name, ignoring
// exact rules.
func (t *tree) longestPrefix(name string) Access {
	n := &t.root
	best := n.prefix
	for name != "" {
		c, _ := n.child(name[0])
		if c == nil || !strings.HasPrefix(name, c.edge) {
			break
		}
		name, n = name[len(c.edge):], c
		if n.prefix != AccessNone {
			best = n.prefix
		}
	}
	return best
}

// under calls fn for every rule, exact or prefix, whose segment starts
// with prefix (including prefix itself), until fn returns false. It
// reports whether the walk ran to the end.
func (t *tree) under(prefix string, fn func(Access) bool) bool {
	n := &t.root
	for prefix != "" {
		c, _ := n.child(prefix[0])
		if c == nil {
			return true
		}
		if len(prefix) <= len(c.edge) {
			if !strings.HasPrefix(c.edge, prefix) {
				return true
			}
			return c.walk(fn)
		}
		if !strings.HasPrefix(prefix, c.edge) {
			return true
		}
		prefix, n = prefix[len(c.edge):], c
	}
	return n.walk(fn)
}

func (n *node) walk(fn func(Access) bool) bool {
	if n.exact != AccessNone && !fn(n.exact) {
		return false
	}
	if n.prefix != AccessNone && !fn(n.prefix) {
		return false
	}
	for _, c := range n.children {
		if !c.walk(fn) {
			return false
		}
	}
	return true
}
