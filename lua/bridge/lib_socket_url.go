package bridge

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("socket.url", funcsLibrary(urlFuncs)) }

// urlFuncs is require "socket.url", LuaSocket's URL functions (RFC 2396)
// with their semantics: parse and build of a table of parts, absolute,
// escape and unescape, parse_path and build_path.
var urlFuncs = map[string]lua.LGFunction{
	"escape":     urlEscapeL,
	"unescape":   urlUnescapeL,
	"parse":      urlParseL,
	"build":      urlBuildL,
	"absolute":   urlAbsoluteL,
	"parse_path": urlParsePathL,
	"build_path": urlBuildPathL,
}

// urlFields are the parts of a parsed URL, in the order parse sets them.
var urlFields = []string{"scheme", "authority", "fragment", "query", "params", "path",
	"userinfo", "port", "host", "password", "user"}

func urlIsAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// urlEscape is escape(s): every byte but letters, digits and '_' as %xx.
func urlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; urlIsAlnum(c) || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

func urlIsHex(c byte) bool {
	return urlIsAlnum(c) && strings.IndexByte("0123456789abcdefABCDEF", c) >= 0
}

// urlUnescape is unescape(s): %xx becomes its byte.
func urlUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && urlIsHex(s[i+1]) && urlIsHex(s[i+2]) {
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// urlProtectSegment escapes a path segment: letters, digits and
// "-_.!~*'():@&=+$," stay, other bytes become %XX.
func urlProtectSegment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; urlIsAlnum(c) || strings.IndexByte("-_.!~*'():@&=+$,", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

var urlSchemeRe = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9+\-.]*):`)

// urlCutInto takes what follows the first sep off s, into parts[name].
func urlCutInto(parts map[string]string, s, sep, name string) string {
	if i := strings.Index(s, sep); i >= 0 {
		parts[name] = s[i+len(sep):]
		return s[:i]
	}
	return s
}

// urlParse splits a URL into its parts as LuaSocket does; a part that is
// absent has no key.
func urlParse(s string) map[string]string {
	parts := map[string]string{}
	if m := urlSchemeRe.FindStringSubmatch(s); m != nil {
		parts["scheme"], s = m[1], s[len(m[0]):]
	}
	if strings.HasPrefix(s, "//") {
		end := strings.IndexByte(s[2:], '/')
		if end < 0 {
			end = len(s) - 2
		}
		parts["authority"], s = s[2:2+end], s[2+end:]
	}
	s = urlCutInto(parts, s, "#", "fragment")
	s = urlCutInto(parts, s, "?", "query")
	s = urlCutInto(parts, s, ";", "params")
	if s != "" {
		parts["path"] = s
	}
	auth, ok := parts["authority"]
	if !ok {
		return parts
	}
	if i := strings.IndexByte(auth, '@'); i >= 0 {
		parts["userinfo"], auth = auth[:i], auth[i+1:]
	}
	if i := strings.LastIndexByte(auth, ':'); i >= 0 && !strings.Contains(auth[i:], "]") {
		parts["port"], auth = auth[i+1:], auth[:i]
	}
	if auth != "" {
		parts["host"] = auth
		if len(auth) > 2 && auth[0] == '[' && auth[len(auth)-1] == ']' {
			parts["host"] = auth[1 : len(auth)-1]
		}
	}
	if ui, ok := parts["userinfo"]; ok {
		if i := strings.LastIndexByte(ui, ':'); i >= 0 {
			parts["password"], ui = ui[i+1:], ui[:i]
		}
		parts["user"] = ui
	}
	return parts
}

// urlBuild puts parts back together as LuaSocket's build does.
func urlBuild(p map[string]string) string {
	u := p["path"]
	if v, ok := p["params"]; ok {
		u += ";" + v
	}
	if v, ok := p["query"]; ok {
		u += "?" + v
	}
	auth, hasAuth := p["authority"]
	if host, ok := p["host"]; ok {
		auth, hasAuth = host, true
		if strings.Contains(host, ":") {
			auth = "[" + host + "]"
		}
		if v, ok := p["port"]; ok {
			auth += ":" + v
		}
		ui, hasUI := p["userinfo"]
		if user, ok := p["user"]; ok {
			ui, hasUI = user, true
			if pw, ok := p["password"]; ok {
				ui += ":" + pw
			}
		}
		if hasUI {
			auth = ui + "@" + auth
		}
	}
	if hasAuth {
		u = "//" + auth + u
	}
	if v, ok := p["scheme"]; ok {
		u = v + ":" + u
	}
	if v, ok := p["fragment"]; ok {
		u += "#" + v
	}
	return u
}
