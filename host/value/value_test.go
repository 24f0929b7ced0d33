package value

import (
	"reflect"
	"testing"
	"time"
)

func TestTableGet(t *testing.T) {
	tbl := &Table{Array: []any{"a", "b"}, Hash: map[any]any{"k": "v", 3.0: "three", 1.5: "half", true: "yes"}}
	cases := []struct {
		key  any
		want any
	}{
		{1.0, "a"}, {2.0, "b"}, // whole numbers in range read the array part
		{3.0, "three"}, // past the array: the hash part
		{1.5, "half"},  // not whole: the hash part
		{0.0, nil}, {-1.0, nil},
		{"k", "v"}, {true, "yes"}, {"missing", nil}, {nil, nil},
	}
	for _, c := range cases {
		if got := tbl.Get(c.key); got != c.want {
			t.Errorf("Get(%#v) = %#v, want %#v", c.key, got, c.want)
		}
	}
	if got := tbl.Field("k"); got != "v" {
		t.Errorf(`Field("k") = %#v`, got)
	}
	var none *Table
	if got := none.Get("k"); got != nil {
		t.Errorf("a nil table's Get = %#v, want nil", got)
	}
}

func TestTableKeysAreSorted(t *testing.T) {
	tbl := &Table{Hash: map[any]any{"b": 1.0, "a": 1.0, 10.0: 1.0, 2.0: 1.0, true: 1.0}}
	// Sorted by their printed form, so the order is the same every run.
	want := []any{10.0, 2.0, "a", "b", true}
	for i := 0; i < 20; i++ {
		if got := tbl.Keys(); !reflect.DeepEqual(got, want) {
			t.Fatalf("Keys() = %#v, want %#v", got, want)
		}
	}
}

func TestList(t *testing.T) {
	tbl := &Table{Array: []any{"x", 2.0}, Hash: map[any]any{"ignored": true}}
	cases := []struct {
		in   any
		want []any
	}{
		{nil, nil},
		{tbl, []any{"x", 2.0}},  // the array part only
		{"lone", []any{"lone"}}, // a single value where a list is expected
		{5222.0, []any{5222.0}},
		{false, []any{false}},
	}
	for _, c := range cases {
		if got := List(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("List(%#v) = %#v, want %#v", c.in, got, c.want)
		}
	}
}

func TestFormat(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{nil, "nil"},
		{true, "true"},
		{"a \"quoted\"\n", `"a \"quoted\"\n"`},
		{5222.0, "5222"},
		{0.5, "0.5"},
		{1e21, "1e+21"},
		{&Table{}, "{  }"},
		{&Table{Array: []any{"a", 1.0}}, `{ "a", 1 }`},
		{&Table{Hash: map[any]any{"certificate": "c.crt", "key": "c.key"}}, `{ certificate = "c.crt", key = "c.key" }`},
		// Keys that are not names are written in brackets.
		{&Table{Hash: map[any]any{"127.0.0.1": 1.0, 5281.0: 2.0, "_ok1": 3.0, "1st": 4.0}}, `{ ["127.0.0.1"] = 1, ["1st"] = 4, [5281] = 2, _ok1 = 3 }`},
		{&Function{Where: "mod_x.lua:3"}, "function (mod_x.lua:3)"},
		{&Table{Hash: map[any]any{"alpn": &Function{Where: "c.lua:2"}}}, `{ alpn = function (c.lua:2) }`},
		{&Table{Array: []any{&Table{Array: []any{"in"}}}, Hash: map[any]any{"t": &Table{Hash: map[any]any{"x": false}}}}, `{ { "in" }, t = { x = false } }`},
	}
	for _, c := range cases {
		if got := Format(c.in); got != c.want {
			t.Errorf("Format(%#v) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestSeconds(t *testing.T) {
	if got := Seconds(1.5); got != 1500*time.Millisecond {
		t.Errorf("Seconds(1.5) = %s", got)
	}
}
