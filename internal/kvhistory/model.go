package kvhistory

import (
	"fmt"

	"github.com/anishathalye/porcupine"
)

// Kind is an operation kind.
type Kind uint8

// Operation kinds.
const (
	Get Kind = iota
	Put
	CAS
	Delete
)

func (k Kind) String() string {
	return [...]string{"get", "put", "cas", "delete"}[k]
}

// Input is an operation as called. Expect is, for CAS, the value that must
// be current for the write to happen ("" means the key must be absent).
type Input struct {
	Kind   Kind
	Key    string
	Value  string
	Expect string
}

// Output is what an operation returned. Value is the value a get read (""
// for absent), OK the outcome of a CAS; Unknown marks a write whose
// outcome is not known (it failed with an error).
type Output struct {
	Value   string
	OK      bool
	Unknown bool
}

// Model is the sequential specification of one key: its state is the
// current value, "" when absent. Histories are partitioned by key.
var Model = porcupine.Model{
	Partition: partitionByKey,
	Init:      func() any { return "" },
	Step: func(st, in, out any) (bool, any) {
		return step(st.(string), in.(Input), out.(Output))
	},
	DescribeOperation: func(in, out any) string {
		i, o := in.(Input), out.(Output)
		switch i.Kind {
		case Get:
			return fmt.Sprintf("get(%s) -> %q", i.Key, o.Value)
		case CAS:
			return fmt.Sprintf("cas(%s, %q -> %q) -> %v (unknown %v)", i.Key, i.Expect, i.Value, o.OK, o.Unknown)
		}
		return fmt.Sprintf("%s(%s, %q) (unknown %v)", i.Kind, i.Key, i.Value, o.Unknown)
	},
}

func step(cur string, in Input, out Output) (bool, string) {
	switch in.Kind {
	case Get:
		return out.Value == cur, cur
	case Put:
		return true, in.Value
	case Delete:
		return true, ""
	}
	// CAS.
	matched := cur == in.Expect
	if out.Unknown {
		if matched {
			return true, in.Value
		}
		return true, cur
	}
	if out.OK != matched {
		return false, cur
	}
	if matched {
		return true, in.Value
	}
	return true, cur
}

func partitionByKey(history []porcupine.Operation) [][]porcupine.Operation {
	byKey := map[string][]porcupine.Operation{}
	var order []string
	for _, op := range history {
		k := op.Input.(Input).Key
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], op)
	}
	out := make([][]porcupine.Operation, 0, len(order))
	for _, k := range order {
		out = append(out, byKey[k])
	}
	return out
}
