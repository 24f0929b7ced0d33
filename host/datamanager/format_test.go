package datamanager

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/moonport/moonport/host/value"
)

// allBytes is a string of every byte value.
func allBytes() string {
	var b strings.Builder
	for i := 0; i < 256; i++ {
		b.WriteByte(byte(i))
	}
	return b.String()
}

// samples are values every reader must give back as they were written.
func samples() map[string]any {
	return map[string]any{
		"str":    allBytes(),
		"num":    &value.Table{Array: []any{0.0, -5.0, 1.5, 0.1, 1e300, -1e-300, 9007199254740992.0, math.Inf(1), math.Inf(-1)}},
		"mixed":  &value.Table{Array: []any{"a", true}, Hash: map[any]any{"k": "v", 10.0: false, 2.5: "x", true: "yes", "": 1.0}},
		"nested": &value.Table{Hash: map[any]any{"a": &value.Table{Hash: map[any]any{"b": &value.Table{Array: []any{"c", &value.Table{Array: []any{}}}}}}}},
		"scalar": "just a string",
	}
}

func TestSerializeRoundTrip(t *testing.T) {
	for name, v := range samples() {
		src, err := DataFile(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseData([]byte(src))
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, src)
		}
		if !reflect.DeepEqual(normal(got), normal(v)) {
			t.Errorf("%s: got %s, want %s", name, value.Format(got), value.Format(v))
		}
	}
}

// normal gives empty tables one form (an empty Array nil) for DeepEqual.
func normal(v any) any {
	t, ok := v.(*value.Table)
	if !ok {
		return v
	}
	out := &value.Table{}
	for _, e := range t.Array {
		out.Array = append(out.Array, normal(e))
	}
	for k, e := range t.Hash {
		if out.Hash == nil {
			out.Hash = map[any]any{}
		}
		out.Hash[k] = normal(e)
	}
	return out
}

// TestParseLuaForms: what Lua's own syntax allows in data, as other
// writers (or hands) may produce it.
func TestParseLuaForms(t *testing.T) {
	src := `-- a comment
	--[==[ a long
	comment ]==]
	return { 1, 2; [3] = 3, x = 'single\'q', y = [[
long]], z = "\x41\65\u{e9}\z
	  end", h = 0x10, e = 1E2, n = -.5, [ "k" ] = nil, f = (0/0), 4 };`
	v, err := ParseData([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tbl := v.(*value.Table)
	want := []any{1.0, 2.0, 4.0}
	if !reflect.DeepEqual(tbl.Array, want) {
		t.Errorf("array %v, want %v", tbl.Array, want)
	}
	for k, w := range map[string]any{"x": "single'q", "y": "long", "z": "AA\u00e9end", "h": 16.0, "e": 100.0, "n": -0.5} {
		if got := tbl.Hash[k]; got != w {
			t.Errorf("%s = %#v, want %#v", k, got, w)
		}
	}
	if f, _ := tbl.Hash["f"].(float64); !math.IsNaN(f) {
		t.Errorf("f = %v, want NaN", tbl.Hash["f"])
	}
	if _, ok := tbl.Hash["k"]; ok {
		t.Error("a nil value made a key")
	}
}

// TestParseRunsNothing: code in a data file is a syntax error, not run.
func TestParseRunsNothing(t *testing.T) {
	for _, src := range []string{
		`return os.exit(1)`, `return { x = os.getenv("HOME") }`, `return { f = function() end }`,
		`return 1 + 1`, `return ("x"):rep(10)`, `os.remove("x") return {}`, `return {};os.exit()`,
		`return { [{}] = 1 }x`, `return "unfinished`, `return { a = 1`, `return {[0/0] = 1}`,
		`return ` + strings.Repeat("{", maxDepth+1) + strings.Repeat("}", maxDepth+1),
	} {
		if v, err := ParseData([]byte(src)); err == nil {
			t.Errorf("%q parsed as %s", src, value.Format(v))
		}
	}
	for _, src := range []string{`item(os.exit())`, `item({}) os.exit()`, `print("x")`, `item(1) item(`} {
		if v, err := ParseList([]byte(src)); err == nil {
			t.Errorf("%q parsed as %v", src, v)
		}
	}
}

func TestParseList(t *testing.T) {
	items, err := ParseList([]byte("item({\n\t[\"x\"] = 1;\n});\nitem(\"s\");\nitem{ 2 }\nitem\"t\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []any{&value.Table{Hash: map[any]any{"x": 1.0}}, "s", &value.Table{Array: []any{2.0}}, "t"}
	if !reflect.DeepEqual(items, want) {
		t.Errorf("got %v", items)
	}
}
