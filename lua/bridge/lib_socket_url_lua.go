package bridge

import (
	"regexp"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The Lua side of socket.url: tables in and out, and absolute's path
// arithmetic.

func urlEscapeL(L *lua.LState) int {
	L.Push(lua.LString(urlEscape(L.CheckString(1))))
	return 1
}

func urlUnescapeL(L *lua.LState) int {
	L.Push(lua.LString(urlUnescape(L.CheckString(1))))
	return 1
}

// urlParseL is parse(url, default): a table of the parts, over a copy of
// default; nil and "invalid url" for an empty url.
func urlParseL(L *lua.LState) int {
	if !lua.LVAsBool(L.Get(1)) || L.Get(1) == lua.LString("") {
		L.Push(lua.LNil)
		L.Push(lua.LString("invalid url"))
		return 2
	}
	s := L.CheckString(1)
	t := L.NewTable()
	if def, ok := L.Get(2).(*lua.LTable); ok {
		def.ForEach(func(k, v lua.LValue) { t.RawSet(k, v) })
	}
	for name, v := range urlParse(s) {
		t.RawSetString(name, lua.LString(v))
	}
	L.Push(t)
	return 1
}

// urlPartsOf reads the parts build uses from a table: nil and false are
// absent, strings and numbers are their text, anything else an error as
// Lua's concatenation would raise (port goes through tostring).
func urlPartsOf(L *lua.LState, t lua.LValue) map[string]string {
	p := map[string]string{}
	for _, name := range urlFields {
		v := L.GetField(t, name)
		switch v.Type() {
		case lua.LTNil:
		case lua.LTBool:
			if v == lua.LTrue && name == "port" {
				p[name] = "true"
			} else if v == lua.LTrue {
				L.RaiseError("attempt to concatenate a boolean value (field '%s')", name)
			}
		case lua.LTString, lua.LTNumber:
			p[name] = lua.LVAsString(v)
		default:
			if name != "port" {
				L.RaiseError("attempt to concatenate a %s value (field '%s')", v.Type(), name)
			}
			p[name] = L.ToStringMeta(v).String()
		}
	}
	return p
}

func urlBuildL(L *lua.LState) int {
	L.Push(lua.LString(urlBuild(urlPartsOf(L, L.CheckTable(1)))))
	return 1
}

var (
	urlDotDotRe     = regexp.MustCompile(`[^/]+/\.\./([^/]+)`)
	urlTrailDotDot  = regexp.MustCompile(`[^/]+/\.\./*$`)
	urlDotSegMarker = "\x01"
)

// urlReplaceUntilStable applies one replacement at a time until s no longer
// changes, as LuaSocket's gsub(…, 1) loops do.
func urlReplaceUntilStable(s string, step func(string) string) string {
	for {
		next := step(s)
		if next == s {
			return s
		}
		s = next
	}
}

// urlRemoveDots takes '.' and '..' segments out of a path the way
// LuaSocket does (keeping empty segments).
func urlRemoveDots(path string) string {
	path = urlReplaceUntilStable(path, func(s string) string { return strings.Replace(s, "//", "/"+urlDotSegMarker+"/", 1) })
	path = urlReplaceUntilStable(path, func(s string) string { return strings.Replace(s, "/./", "/", 1) })
	path = urlReplaceUntilStable(path, func(s string) string {
		m := urlDotDotRe.FindStringSubmatchIndex(s)
		if m == nil {
			return s
		}
		return s[:m[0]] + s[m[2]:m[3]] + s[m[1]:]
	})
	path = urlTrailDotDot.ReplaceAllString(path, "")
	if strings.HasSuffix(path, "/..") {
		path = path[:len(path)-3] + "/"
	}
	if strings.HasSuffix(path, "/.") {
		path = path[:len(path)-2] + "/"
	}
	if strings.HasPrefix(path, "/../") {
		path = path[3:]
	}
	return strings.ReplaceAll(path, urlDotSegMarker, "")
}

// urlAbsolutePath is relative resolved against base's folder.
func urlAbsolutePath(base, rel string) string {
	if strings.HasPrefix(rel, "/") {
		return urlRemoveDots(rel)
	}
	base = base[:strings.LastIndexByte(base, '/')+1]
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return urlRemoveDots(base + rel)
}

// urlParseArg is parse of argument n: false when it is nil, false or "".
func urlParseArg(L *lua.LState, n int) (string, map[string]string, bool) {
	v := L.Get(n)
	if !lua.LVAsBool(v) || v == lua.LString("") {
		return "", nil, false
	}
	s := L.CheckString(n)
	return s, urlParse(s), true
}

// urlAbsoluteL is absolute(base, relative): relative resolved against
// base (a URL or a parsed table), dot segments taken out.
func urlAbsoluteL(L *lua.LState) int {
	var base string
	var bp map[string]string
	baseOK := true
	if t, ok := L.Get(1).(*lua.LTable); ok {
		bp = urlPartsOf(L, t)
		base = urlBuild(bp)
	} else {
		base, bp, baseOK = urlParseArg(L, 1)
	}
	rel, rp, relOK := urlParseArg(L, 2)
	var result string
	switch _, hasScheme := rp["scheme"]; {
	case !baseOK:
		if !relOK && L.Get(2).Type() != lua.LTString {
			L.RaiseError("attempt to index a %s value", L.Get(2).Type())
		}
		result = rel
	case !relOK:
		result = base
	case hasScheme:
		result = rel
	default:
		urlInherit(bp, rp)
		result = urlBuild(rp)
	}
	L.Push(lua.LString(urlRemoveDots(result)))
	return 1
}

// urlInherit gives a relative URL's parts the base's where it has none.
func urlInherit(bp, rp map[string]string) {
	copyPart := func(name string) {
		if v, ok := bp[name]; ok {
			rp[name] = v
		} else {
			delete(rp, name)
		}
	}
	copyPart("scheme")
	if _, ok := rp["authority"]; ok {
		return
	}
	copyPart("authority")
	if path, ok := rp["path"]; ok {
		rp["path"] = urlAbsolutePath(bp["path"], path)
		return
	}
	copyPart("path")
	if _, ok := rp["params"]; ok {
		return
	}
	copyPart("params")
	if _, ok := rp["query"]; !ok {
		copyPart("query")
	}
}

// urlParsePathL is parse_path(path): the unescaped segments, with
// is_absolute and is_directory set to 1 for a leading or trailing '/'.
func urlParsePathL(L *lua.LState) int {
	path := ""
	if lua.LVAsBool(L.Get(1)) {
		path = L.CheckString(1)
	}
	t := L.NewTable()
	for _, seg := range strings.Split(path, "/") {
		if seg != "" {
			t.Append(lua.LString(urlUnescape(seg)))
		}
	}
	if strings.HasPrefix(path, "/") {
		t.RawSetString("is_absolute", lua.LNumber(1))
	}
	if strings.HasSuffix(path, "/") {
		t.RawSetString("is_directory", lua.LNumber(1))
	}
	L.Push(t)
	return 1
}

// urlBuildPathL is build_path(segments, unsafe): the segments joined by
// '/', each protected unless unsafe.
func urlBuildPathL(L *lua.LState) int {
	t := L.CheckTable(1)
	unsafe := lua.LVAsBool(L.Get(2))
	n := L.ObjLen(t)
	segs := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		v := L.GetTable(t, lua.LNumber(i))
		if v.Type() != lua.LTString && v.Type() != lua.LTNumber {
			L.RaiseError("attempt to concatenate a %s value (segment %d)", v.Type(), i)
		}
		seg := lua.LVAsString(v)
		if !unsafe {
			seg = urlProtectSegment(seg)
		}
		segs = append(segs, seg)
	}
	path := strings.Join(segs, "/")
	if n > 0 && lua.LVAsBool(L.GetField(t, "is_directory")) {
		path += "/"
	}
	if lua.LVAsBool(L.GetField(t, "is_absolute")) {
		path = "/" + path
	}
	L.Push(lua.LString(path))
	return 1
}
