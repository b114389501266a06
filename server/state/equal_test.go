package state

import (
	"reflect"
	"testing"
)

// TestEqualComparesEveryField sets each field of each record, one at a
// time, and checks the record no longer equals the unchanged one. A field
// added to a record but not to equal.go makes this fail, instead of making
// the store drop real changes as no-ops.
func TestEqualComparesEveryField(t *testing.T) {
	records := []struct {
		typ   reflect.Type
		equal func(a, b any) bool
	}{
		{reflect.TypeOf(Node{}), func(a, b any) bool { return nodeEqual(a.(*Node), b.(*Node)) }},
		{reflect.TypeOf(Service{}), func(a, b any) bool { return serviceEqual(a.(*Service), b.(*Service)) }},
		{reflect.TypeOf(HealthCheck{}), func(a, b any) bool { return checkEqual(a.(*HealthCheck), b.(*HealthCheck)) }},
	}
	for _, r := range records {
		var ls []leaf
		collectLeaves(r.typ, r.typ.Name(), func(v reflect.Value) reflect.Value { return v }, &ls)
		for _, l := range ls {
			a, b := base(r.typ), base(r.typ)
			if !r.equal(a.Interface(), b.Interface()) {
				t.Fatalf("%s: equal records compare unequal", r.typ.Name())
			}
			setNonZero(l.get(b.Elem()))
			if r.equal(a.Interface(), b.Interface()) {
				t.Errorf("%s is not compared", l.name)
			}
		}
	}
}

func TestEqualTreatsNilAsEmpty(t *testing.T) {
	a := &Service{Tags: nil, Meta: nil, Proxy: Proxy{Config: nil}}
	b := &Service{Tags: []string{}, Meta: map[string]string{}, Proxy: Proxy{Config: map[string]any{}}}
	if !serviceEqual(a, b) {
		t.Error("nil and empty differ")
	}
	c := &Service{RaftIndex: RaftIndex{CreateIndex: 1, ModifyIndex: 2}}
	if !serviceEqual(a, c) {
		t.Error("Raft indexes are compared")
	}
}

type leaf struct {
	name string
	get  func(reflect.Value) reflect.Value
}

func collectLeaves(typ reflect.Type, prefix string, get func(reflect.Value) reflect.Value, out *[]leaf) {
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if f.Type == reflect.TypeOf(RaftIndex{}) {
			continue
		}
		fget := func(v reflect.Value) reflect.Value { return get(v).Field(i) }
		name := prefix + "." + f.Name
		switch {
		case f.Type.Kind() == reflect.Struct:
			collectLeaves(f.Type, name, fget, out)
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			collectLeaves(f.Type.Elem(), name+"[0]", func(v reflect.Value) reflect.Value { return fget(v).Index(0) }, out)
		default:
			*out = append(*out, leaf{name, fget})
		}
	}
}

// base returns a pointer to a zero record whose slices of structs hold one
// zero element, so their elements' fields can be set.
func base(typ reflect.Type) reflect.Value {
	p := reflect.New(typ)
	fillSlices(p.Elem())
	return p
}

func fillSlices(v reflect.Value) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.Struct:
			fillSlices(f)
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
			fillSlices(f.Index(0))
		}
	}
}

func setNonZero(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		setNonZero(s.Index(0))
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		val := reflect.New(v.Type().Elem()).Elem()
		setNonZero(val)
		m.SetMapIndex(reflect.ValueOf("k"), val)
		v.Set(m)
	case reflect.Interface:
		v.Set(reflect.ValueOf("x"))
	case reflect.Struct:
		setNonZero(v.Field(0))
	default:
		panic("setNonZero: unhandled kind " + v.Kind().String())
	}
}
