package bridge

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.json", openJSON) }

// openJSON builds require "util.json" as Prosody has it: encode,
// encode_ordered (object keys sorted), encode_array, decode and null, a
// value of its own that encodes as null and that decode gives for null.
// Arrays decode to tables with util.array's metatable (or the library's
// own without util.array), which encode tells from objects, so [] and {} each come back as they were. Tables
// with both kinds of keys keep them in "__array" and "__hash" members, and
// decode restores those, as in Prosody.
func openJSON(inst *Instance) lua.LValue {
	L := inst.L
	null := L.NewTable()
	nullMT := L.NewTable()
	nullMT.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("null"))
		return 1
	}))
	L.SetMetatable(null, nullMT)
	arrayMT := jsonArrayMT(L)
	t := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"encode":         jsonEncodeWith(false, false),
		"encode_ordered": jsonEncodeWith(true, false),
		"encode_array":   jsonEncodeWith(false, true),
		"decode":         jsonDecode,
	}, null, arrayMT)
	t.RawSetString("null", null)
	return t
}

// jsonArrayLookup is how Prosody's util.json finds the metatable of its
// arrays: util.array's, when that library can be required.
const jsonArrayLookup = `local ok, array = pcall(require, "util.array")
if ok and array then
	local made, a = pcall(array)
	if made and type(a) == "table" then return getmetatable(a) end
end`

// jsonArrayMT is the metatable decode gives arrays and encode knows them
// by: util.array's when there is one (so decoded arrays have its
// methods), else a table of the library's own.
func jsonArrayMT(L *lua.LState) lua.LValue {
	fn, err := L.LoadString(jsonArrayLookup)
	if err == nil {
		L.Push(fn)
		if L.PCall(0, 1, nil) == nil {
			mt := L.Get(-1)
			L.Pop(1)
			if _, ok := mt.(*lua.LTable); ok {
				return mt
			}
		}
	}
	return L.NewTable()
}

// jsonMaxDepth bounds nesting: deeper (or cyclic) tables fail to encode,
// deeper documents fail to decode.
const jsonMaxDepth = 10000

// jsonEncoder writes Lua values as Prosody's util.json does.
type jsonEncoder struct {
	L       *lua.LState
	null    lua.LValue
	arrayMT lua.LValue
	ordered bool
	depth   int
	buf     []byte
}

// jsonEncodeWith is encode(value), encode_ordered(value) or, with array,
// encode_array(table).
func jsonEncodeWith(ordered, array bool) lua.LGFunction {
	return func(L *lua.LState) int {
		e := &jsonEncoder{L: L, null: L.Get(lua.UpvalueIndex(1)), arrayMT: L.Get(lua.UpvalueIndex(2)), ordered: ordered}
		if array {
			e.array(L.CheckTable(1))
		} else {
			e.value(L.Get(1))
		}
		L.Push(lua.LString(e.buf))
		return 1
	}
}

func (e *jsonEncoder) value(v lua.LValue) {
	if v == e.null {
		e.buf = append(e.buf, "null"...)
		return
	}
	switch v := v.(type) {
	case lua.LNumber:
		e.buf = append(e.buf, jsonNumber(float64(v))...)
	case lua.LString:
		e.str(string(v))
	case lua.LBool:
		e.buf = strconv.AppendBool(e.buf, bool(v))
	case *lua.LTable:
		if e.depth++; e.depth > jsonMaxDepth {
			e.L.RaiseError("util.json: tables nested too deeply (a cycle?)")
		}
		if v.Metatable == e.arrayMT {
			e.array(v)
		} else {
			e.table(v)
		}
		e.depth--
	default:
		e.buf = append(e.buf, "null"...)
	}
}

// jsonNumber writes a number as Lua's tostring does: whole numbers as
// integers, others with 14 significant digits.
func jsonNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f == math.Trunc(f) && math.Abs(f) < 1<<53:
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

const jsonHex = "0123456789ABCDEF"

// str writes a string with quotes, backslashes and control characters
// escaped; other bytes go as they are.
func (e *jsonEncoder) str(s string) {
	e.buf = append(e.buf, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			e.buf = append(e.buf, '\\', c)
		case '\b':
			e.buf = append(e.buf, `\b`...)
		case '\f':
			e.buf = append(e.buf, `\f`...)
		case '\n':
			e.buf = append(e.buf, `\n`...)
		case '\r':
			e.buf = append(e.buf, `\r`...)
		case '\t':
			e.buf = append(e.buf, `\t`...)
		default:
			if c < 0x20 {
				e.buf = append(e.buf, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&15])
			} else {
				e.buf = append(e.buf, c)
			}
		}
	}
	e.buf = append(e.buf, '"')
}

// array writes t[1], t[2], … up to the first nil. Like Prosody's, a
// table with keys but no t[1] comes out as a lone "]".
func (e *jsonEncoder) array(t *lua.LTable) {
	start := len(e.buf)
	e.buf = append(e.buf, '[')
	if k, _ := t.Next(lua.LNil); k != lua.LNil {
		for i := 1; ; i++ {
			v := t.RawGetInt(i)
			if v == lua.LNil {
				break
			}
			e.value(v)
			e.buf = append(e.buf, ',')
		}
		if len(e.buf) == start+1 {
			e.buf = e.buf[:start]
		} else {
			e.buf = e.buf[:len(e.buf)-1]
		}
	}
	e.buf = append(e.buf, ']')
}

// jsonValueType is whether a value of the table takes part in an object:
// numbers, strings, booleans and tables (null among them).
func jsonValueType(v lua.LValue) bool {
	switch v.Type() {
	case lua.LTNumber, lua.LTString, lua.LTBool, lua.LTTable:
		return true
	}
	return false
}

// table writes a table that is not known to be an array: as an array when
// it has only the keys 1..n, else as an object of its string keys, with
// its other keys as "__hash": [k, v, …] and its array part as "__array".
func (e *jsonEncoder) table(t *lua.LTable) {
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	var hashKeys []string
	hash := map[string]lua.LValue{}
	var other []lua.LValue
	t.ForEach(func(k, v lua.LValue) {
		if !jsonValueType(v) {
			return
		}
		if ks, ok := k.(lua.LString); ok && ks != "__array" && ks != "__hash" {
			hashKeys = append(hashKeys, string(ks))
			hash[string(ks)] = v
		} else if jsonValueType(k) && !jsonInArray(k, n) {
			other = append(other, k, v)
		}
	})
	if len(hashKeys) == 0 && len(other) == 0 && n > 0 {
		e.array(t)
		return
	}
	if e.ordered {
		sort.Strings(hashKeys)
	}
	e.buf = append(e.buf, '{')
	mark := len(e.buf)
	for _, k := range hashKeys {
		e.str(k)
		e.buf = append(e.buf, ':')
		e.value(hash[k])
		e.buf = append(e.buf, ',')
	}
	if len(other) > 0 {
		e.buf = append(e.buf, `"__hash":[`...)
		for _, v := range other {
			e.value(v)
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf[:len(e.buf)-1], "],"...)
	}
	if n > 0 {
		e.buf = append(e.buf, `"__array":`...)
		e.array(t)
		e.buf = append(e.buf, ',')
	}
	if len(e.buf) != mark {
		e.buf = e.buf[:len(e.buf)-1]
	}
	e.buf = append(e.buf, '}')
}

// jsonInArray is whether k is one of the keys 1..n.
func jsonInArray(k lua.LValue, n int) bool {
	f, ok := k.(lua.LNumber)
	return ok && float64(f) == math.Trunc(float64(f)) && f >= 1 && int(f) <= n
}

// jsonDecoder reads JSON as Prosody's util.json does, including its
// leniencies (a trailing comma in an object, control characters in
// strings, unknown escapes kept as they are) and its failures: nil and a
// message, or nil and a position when the text ends where a value should be.
type jsonDecoder struct {
	L       *lua.LState
	s       string
	null    lua.LValue
	arrayMT lua.LValue
	depth   int
}

// jsonFail is a decoding failure: a message, or a position (from 1).
type jsonFail = lua.LValue

// jsonDecode is decode(text): the value, or nil and what failed.
func jsonDecode(L *lua.LState) int {
	d := &jsonDecoder{L: L, s: jsonUnescapeFirst(L.CheckString(1)), null: L.Get(lua.UpvalueIndex(1)), arrayMT: L.Get(lua.UpvalueIndex(2))}
	v, i, fail, _ := d.value(0, -1)
	if fail == nil && d.skip(i) < len(d.s) && !jsonSpace(d.at(d.skip(i))) {
		fail = lua.LString("garbage at eof")
	}
	if fail != nil {
		L.Push(lua.LNil)
		L.Push(fail)
		return 2
	}
	L.Push(v)
	return 1
}

// jsonFirstEscapes are the escapes Prosody turns into \uXXXX over the whole
// text before parsing, so strings hold no escaped quote.
var jsonFirstEscapes = map[byte]string{
	'"': `\u0022`, '\\': `\u005c`, '/': `\u002f`, 'b': `\u0008`, 'f': `\u000C`,
	'n': `\u000A`, 'r': `\u000D`, 't': `\u0009`, 'u': `\u`,
}

func jsonUnescapeFirst(s string) string {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if r, ok := jsonFirstEscapes[s[i+1]]; ok {
				out = append(out, r...)
			} else {
				out = append(out, s[i], s[i+1])
			}
			i++
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}

func jsonSpace(c int) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// at is the byte at i, or -1 past the end.
func (d *jsonDecoder) at(i int) int {
	if i < 0 || i >= len(d.s) {
		return -1
	}
	return int(d.s[i])
}

// skip is the first byte from i that is not white space, or i itself
// when there is none.
func (d *jsonDecoder) skip(i int) int {
	for j := i; j < len(d.s); j++ {
		if !jsonSpace(int(d.s[j])) {
			return j
		}
	}
	return i
}

// value reads a value at i (after white space); it returns the value and
// where it ends, or what failed. Finding term (-1: the end) where a value
// should start fails with ended true and the position.
func (d *jsonDecoder) value(i, term int) (lua.LValue, int, jsonFail, bool) {
	i = d.skip(i)
	switch b := d.at(i); {
	case b == '{' || b == '[':
		if d.depth++; d.depth > jsonMaxDepth {
			return nil, i, lua.LString("nested too deeply"), false
		}
		defer func() { d.depth-- }()
		if b == '{' {
			v, j, fail := d.object(i)
			return v, j, fail, false
		}
		v, j, fail := d.array(i)
		return v, j, fail, false
	case b == '"':
		v, j, fail := d.str(i)
		return v, j, fail, false
	case b >= '0' && b <= '9' || b == '-':
		v, j, fail := d.number(i)
		return v, j, fail, false
	case b == 'n':
		return d.literal(i, "null", d.null)
	case b == 't':
		return d.literal(i, "true", lua.LTrue)
	case b == 'f':
		return d.literal(i, "false", lua.LFalse)
	case b == term:
		return nil, i, lua.LNumber(i + 1), true
	}
	return nil, i, lua.LString("value expected"), false
}

func (d *jsonDecoder) literal(i int, word string, v lua.LValue) (lua.LValue, int, jsonFail, bool) {
	if len(d.s) >= i+len(word) && d.s[i:i+len(word)] == word {
		return v, i + len(word), nil, false
	}
	return nil, i, lua.LString(word + " parse failed"), false
}

func (d *jsonDecoder) object(i int) (lua.LValue, int, jsonFail) {
	o := d.L.NewTable()
	for {
		i = d.skip(i + 1)
		if d.at(i) != '"' {
			if d.at(i) == '}' {
				return o, i + 1, nil
			}
			return nil, i, lua.LString("key expected")
		}
		key, j, fail := d.str(i)
		if fail != nil {
			return nil, j, fail
		}
		if i = d.skip(j); d.at(i) != ':' {
			return nil, i, lua.LString("colon expected")
		}
		v, j, fail, _ := d.value(i+1, -1)
		if fail != nil {
			return nil, j, fail
		}
		o.RawSet(key, v)
		switch i = d.skip(j); d.at(i) {
		case '}':
			jsonFixObject(d.L, o)
			return o, i + 1, nil
		case ',':
		default:
			return nil, i, lua.LString("object eof")
		}
	}
}

// jsonFixObject moves an object's "__array" items to its array part and
// its "__hash" pairs to keys, undoing what encode made of mixed tables.
func jsonFixObject(L *lua.LState, o *lua.LTable) {
	if a, ok := o.RawGetString("__array").(*lua.LTable); ok {
		o.RawSetString("__array", lua.LNil)
		for i := 1; a.RawGetInt(i) != lua.LNil; i++ {
			o.Append(a.RawGetInt(i))
		}
	} else {
		o.RawSetString("__array", lua.LNil)
	}
	h, ok := o.RawGetString("__hash").(*lua.LTable)
	o.RawSetString("__hash", lua.LNil)
	if !ok {
		return
	}
	var k lua.LValue
	for i := 1; h.RawGetInt(i) != lua.LNil; i++ {
		if v := h.RawGetInt(i); k != nil {
			o.RawSet(k, v)
			k = nil
		} else {
			k = v
		}
	}
}

func (d *jsonDecoder) array(i int) (lua.LValue, int, jsonFail) {
	a := d.L.NewTable()
	for {
		v, j, fail, ended := d.value(i+1, ']')
		if fail != nil {
			if !ended {
				return nil, j, fail
			}
			if a.Len() != 0 {
				return nil, j, lua.LString("value expected")
			}
			a.Metatable = d.arrayMT
			return a, j + 1, nil
		}
		a.Append(v)
		switch i = d.skip(j); d.at(i) {
		case ']':
			a.Metatable = d.arrayMT
			return a, i + 1, nil
		case ',':
		default:
			return nil, i, lua.LString("array eof")
		}
	}
}

// number reads the run of number characters at i as Lua's tonumber would;
// a run that is no number fails with the position after it.
func (d *jsonDecoder) number(i int) (lua.LValue, int, jsonFail) {
	j := i
	for j < len(d.s) && jsonNumberByte(d.s[j]) {
		j++
	}
	f, err := strconv.ParseFloat(d.s[i:j], 64)
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrSyntax {
		return nil, j, lua.LNumber(j + 1)
	}
	return lua.LNumber(f), j, nil
}

func jsonNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'
}

// str reads the string at i, up to the next quote (escaped quotes were
// rewritten before), and decodes its \uXXXX escapes, surrogate pairs
// first; a lone surrogate or a short escape is "invalid escape".
func (d *jsonDecoder) str(i int) (lua.LValue, int, jsonFail) {
	end := strings.IndexByte(d.s[i+1:], '"')
	if end < 0 {
		return nil, i, lua.LString("string eof")
	}
	raw := d.s[i+1 : i+1+end]
	out, ok := jsonUnescapeU(jsonPairs(raw))
	if !ok {
		return nil, i, lua.LString("invalid escape")
	}
	return lua.LString(out), i + end + 2, nil
}

// jsonPairs replaces the escaped surrogate pairs of s by their UTF-8.
func jsonPairs(s string) string {
	var out []byte
	for i := 0; i < len(s); i++ {
		if i+12 <= len(s) && jsonIsPair(s[i:i+12]) {
			lead, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
			trail, _ := strconv.ParseUint(s[i+8:i+12], 16, 32)
			out = utf8.AppendRune(out, rune((lead-0xD800)<<10+(trail-0xDC00)+0x10000))
			i += 11
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}

// jsonIsPair is whether p is \uD[89AB]xx\uD[C-F]xx (any case).
func jsonIsPair(p string) bool {
	return p[0] == '\\' && p[1] == 'u' && (p[2]|0x20) == 'd' && strings.IndexByte("89abAB", p[3]) >= 0 &&
		jsonIsHex(p[4:6]) && p[6] == '\\' && p[7] == 'u' && (p[8]|0x20) == 'd' &&
		strings.IndexByte("cdefCDEF", p[9]) >= 0 && jsonIsHex(p[10:12])
}

func jsonIsHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])) {
			return false
		}
	}
	return true
}

// jsonUnescapeU replaces each \uXXXX of s by its UTF-8; false when one is
// short, not hex or a surrogate.
func jsonUnescapeU(s string) (string, bool) {
	var out []byte
	ok := true
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) || s[i+1] != 'u' {
			out = append(out, s[i])
			continue
		}
		end := min(i+6, len(s))
		x := s[i+2 : end]
		if cp, err := strconv.ParseUint(x, 16, 32); len(x) == 4 && err == nil && jsonIsHex(x) {
			if cp >= 0xD800 && cp <= 0xDFFF {
				ok = false
			}
			out = utf8.AppendRune(out, rune(cp))
		} else {
			ok = false
		}
		i = end - 1
	}
	return string(out), ok
}
