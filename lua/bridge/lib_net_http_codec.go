package bridge

import (
	"encoding/hex"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The URL and form codecs net.http carries (Prosody's util.http ones),
// with their quirks: %-escapes in lower case, and only escapes whose two
// digits share a case decoded.

// httpURLEscape escapes every byte but letters, digits and .~_-.
func httpURLEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".~_-", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + hex.EncodeToString([]byte{c}))
		}
	}
	return b.String()
}

// httpURLUnescape decodes %XX and %xx (not %xX).
func httpURLUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHexByte(s[i+1]) && isHexByte(s[i+2]) {
			esc := s[i+1 : i+3]
			if esc == strings.ToLower(esc) || esc == strings.ToUpper(esc) {
				d, _ := hex.DecodeString(esc)
				b.Write(d)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// httpFormPart is a form name or value encoded: spaces as +.
func httpFormPart(s string) string { return strings.ReplaceAll(httpURLEscape(s), "%20", "+") }

// httpURLEncode is urlencode(s) (nil for nil).
func httpURLEncode(L *lua.LState) int {
	if L.Get(1) == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(httpURLEscape(L.CheckString(1))))
	return 1
}

// httpURLDecode is urldecode(s) (nil for nil).
func httpURLDecode(L *lua.LState) int {
	if L.Get(1) == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(httpURLUnescape(L.CheckString(1))))
	return 1
}

// httpFormEncode is formencode(form): an array of { name =, value = } in
// its order, or a table of name = value.
func httpFormEncode(L *lua.LState) int {
	form := L.CheckTable(1)
	var parts []string
	if form.RawGetInt(1) != lua.LNil {
		for i := 1; i <= form.Len(); i++ {
			field, _ := form.RawGetInt(i).(*lua.LTable)
			if field == nil {
				L.ArgError(1, "form fields must be tables")
			}
			parts = append(parts, httpFormPart(lua.LVAsString(field.RawGetString("name")))+"="+httpFormPart(lua.LVAsString(field.RawGetString("value"))))
		}
	} else {
		form.ForEach(func(k, v lua.LValue) {
			parts = append(parts, httpFormPart(lua.LVAsString(k))+"="+httpFormPart(lua.LVAsString(v)))
		})
	}
	L.Push(lua.LString(strings.Join(parts, "&")))
	return 1
}

// httpFormDecode is formdecode(s): without "=" the string decoded; else a
// table with each field as { name =, value = } in order and as name =
// value.
func httpFormDecode(L *lua.LState) int {
	s := L.CheckString(1)
	if !strings.Contains(s, "=") {
		L.Push(lua.LString(httpURLUnescape(s)))
		return 1
	}
	out := L.NewTable()
	plus := func(x string) string { return httpURLUnescape(strings.ReplaceAll(x, "+", "%20")) }
	for i := 0; i < len(s); {
		j := i + strings.IndexAny(s[i:]+"=", "=&")
		if j >= len(s) || s[j] != '=' {
			i++
			continue
		}
		end := j + 1 + strings.IndexByte(s[j+1:]+"&", '&')
		k, v := plus(s[i:j]), plus(s[j+1:end])
		field := L.NewTable()
		field.RawSetString("name", lua.LString(k))
		field.RawSetString("value", lua.LString(v))
		out.Append(field)
		out.RawSetString(k, lua.LString(v))
		i = end
	}
	L.Push(out)
	return 1
}
