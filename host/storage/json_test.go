package storage

import (
	"math"
	"strconv"
	"testing"

	"github.com/moonport/moonport/host/value"
	"github.com/moonport/moonport/internal/testenv"
)

// jsonCases are values in Lua (as Prosody would hold them) and in Go.
var jsonCases = []struct {
	lua string
	go_ any
}{
	{`"plain"`, "plain"},
	{`"q\"b\\s\n\t\r\b\f\1\31\127é/"`, "q\"b\\s\n\t\r\b\f\x01\x1f\x7fé/"},
	{`"\u{1F600}"`, "\U0001F600"},
	{`42`, 42.0},
	{`-1.5`, -1.5},
	{`0.1`, 0.1},
	{`1e300`, 1e300},
	{`true`, true},
	{`false`, false},
	{`{}`, tbl(nil, nil)},
	{`{1, "two", true}`, tbl([]any{1.0, "two", true}, nil)},
	{`{a = 1, b = {c = "d"}}`, tbl(nil, map[any]any{"a": 1.0, "b": tbl(nil, map[any]any{"c": "d"})})},
	{`{1, 2, a = 1}`, tbl([]any{1.0, 2.0}, map[any]any{"a": 1.0})},
	{`{[1.5] = "x", [true] = "y"}`, tbl(nil, map[any]any{1.5: "x", true: "y"})},
	{`{__array = "a", __hash = "h", x = 1}`, tbl(nil, map[any]any{"__array": "a", "__hash": "h", "x": 1.0})},
	{`{[10] = "ten", "one"}`, tbl([]any{"one"}, map[any]any{10.0: "ten"})},
	{`{{}, {{}}, {x = {}}}`, tbl([]any{tbl(nil, nil), tbl([]any{tbl(nil, nil)}, nil), tbl(nil, map[any]any{"x": tbl(nil, nil)})}, nil)},
	{`{["1"] = "string one", [""] = "empty"}`, tbl(nil, map[any]any{"1": "string one", "": "empty"})},
}

// deepEqLua compares two Lua values, tables by content.
const deepEqLua = `local function eq(a, b)
	if type(a) ~= "table" or type(b) ~= "table" then return a == b end
	for k, v in pairs(a) do if not eq(v, b[k]) then return false end end
	for k in pairs(b) do if a[k] == nil then return false end end
	return true
end
local json = require "util.json"
`

// Prosody's util.json and this codec read each other's text: what
// Prosody encodes decodes here to the same value, and what this codec
// encodes, Prosody decodes to the same value as it started from.
func TestJSONDifferentialWithProsody(t *testing.T) {
	var enc, dec []string
	for _, c := range jsonCases {
		enc = append(enc, deepEqLua+`return json.encode(`+c.lua+`)`)
		text, err := EncodeJSON(c.go_)
		if err != nil {
			t.Fatalf("EncodeJSON(%s): %v", c.lua, err)
		}
		dec = append(dec, deepEqLua+`local got, err = json.decode(`+strconv.Quote(text)+`)
			if got == nil then return "decode error: " .. tostring(err) end
			return eq(`+c.lua+`, got) and "same" or ("differs: " .. json.encode(got))`)
	}
	fromProsody := testenv.ProsodyLuaCases(t, enc...)
	toProsody := testenv.ProsodyLuaCases(t, dec...)
	for i, c := range jsonCases {
		got, err := DecodeJSON(fromProsody[i])
		if err != nil || !same(got, c.go_) {
			t.Errorf("Prosody's %s = %s decodes here to %s, %v", c.lua, fromProsody[i], show(got), err)
		}
		if toProsody[i] != "same" {
			text, _ := EncodeJSON(c.go_)
			t.Errorf("%s encoded here as %s: Prosody %s", c.lua, text, toProsody[i])
		}
	}
}

func TestJSONDecodeEdges(t *testing.T) {
	for text, want := range map[string]any{
		`"\ud83d\ude00"`:                     "\U0001F600",
		`"\u00e9\/"`:                         "é/",
		` [1, 2 , 3] `:                       tbl([]any{1.0, 2.0, 3.0}, nil),
		`{"a":null,"b":1}`:                   tbl(nil, map[any]any{"b": 1.0}),
		`{"__array":[1],"__hash":[2,"two"]}`: tbl([]any{1.0, "two"}, nil),
		`{"__hash":[true,1,1.5,2],"x":"y"}`:  tbl(nil, map[any]any{true: 1.0, 1.5: 2.0, "x": "y"}),
		`[]`:                                 tbl(nil, nil),
		`-2.5e3`:                             -2500.0,
	} {
		got, err := DecodeJSON(text)
		if err != nil || !same(got, want) {
			t.Errorf("DecodeJSON(%s) = %s, %v; want %s", text, show(got), err, show(want))
		}
	}
	for _, bad := range []string{``, `{`, `[1,]`, `{"a" 1}`, `"\ud800"`, `"open`, `1 2`, `nul`, `{1:2}`, `-`} {
		if v, err := DecodeJSON(bad); err == nil {
			t.Errorf("DecodeJSON(%q) = %s, want an error", bad, show(v))
		}
	}
}

func TestJSONEncodeRefuses(t *testing.T) {
	inf := math.Inf(1)
	for _, v := range []any{inf, tbl([]any{struct{}{}}, nil), &value.Function{}} {
		if s, err := EncodeJSON(v); err == nil {
			t.Errorf("EncodeJSON(%#v) = %s, want an error", v, s)
		}
	}
	if s, _ := EncodeJSON(tbl([]any{1.0}, map[any]any{"b": 1.0, "a": 2.0, 2.5: "x", false: "f"})); s != `{"a":2,"b":1,"__hash":[false,"f",2.5,"x"],"__array":[1]}` {
		t.Errorf("encoding not in util.json's shape or order: %s", s)
	}
}
