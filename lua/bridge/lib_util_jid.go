package bridge

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.jid", funcsLibrary(jidFuncs)) }

// jidFuncs is require "util.jid", as Prosody 0.12's: JIDs split into node,
// host and resource by the same rules, joined, compared against an ACL JID
// and escaped per XEP-0106; prep and prepped_split run the parts through
// util.encodings' stringprep profiles (see jidPrepParts).
var jidFuncs = map[string]lua.LGFunction{
	"split":         jidSplitL,
	"bare":          jidBareL,
	"host":          jidPart(1),
	"node":          jidPart(0),
	"resource":      jidPart(2),
	"join":          jidJoinL,
	"prepped_split": jidPreppedSplitL,
	"prep":          jidPrepL,
	"compare":       jidCompareL,
	"escape":        jidEscapeL,
	"unescape":      jidUnescapeL,
}

// jidParts is a split JID; a part that is absent is nil in Lua.
type jidParts struct {
	node, host, res string
	hasNode, hasRes bool
}

// jidSplit splits s as Prosody does: a node is what comes before the first
// '@' when no '/' comes earlier, the host runs to the next '@' or '/', and
// anything after it must be '/' and a non-empty resource.
func jidSplit(s string) (jidParts, bool) {
	var p jidParts
	rest := s
	if i := strings.IndexAny(s, "@/"); i > 0 && s[i] == '@' {
		p.node, p.hasNode, rest = s[:i], true, s[i+1:]
	}
	end := strings.IndexAny(rest, "@/")
	if end < 0 {
		end = len(rest)
	}
	if end == 0 {
		return jidParts{}, false
	}
	p.host, rest = rest[:end], rest[end:]
	if rest == "" {
		return p, true
	}
	if rest[0] != '/' || len(rest) < 2 {
		return jidParts{}, false
	}
	p.res, p.hasRes = rest[1:], true
	return p, true
}

// jidOpt is s when present, nil otherwise.
func jidOpt(s string, ok bool) lua.LValue {
	if !ok {
		return lua.LNil
	}
	return lua.LString(s)
}

// jidArg is argument n as a string, false when it is nil (split(nil)
// returns nothing at all).
func jidArg(L *lua.LState, n int) (string, bool) {
	v := L.Get(n)
	if v == lua.LNil {
		return "", false
	}
	return L.CheckString(n), true
}

func jidSplitL(L *lua.LState) int {
	s, ok := jidArg(L, 1)
	if !ok {
		return 0
	}
	p, ok := jidSplit(s)
	L.Push(jidOpt(p.node, ok && p.hasNode))
	L.Push(jidOpt(p.host, ok))
	L.Push(jidOpt(p.res, ok && p.hasRes))
	return 3
}

func jidBareL(L *lua.LState) int {
	s, ok := jidArg(L, 1)
	p, valid := jidSplit(s)
	switch {
	case !ok || !valid:
		L.Push(lua.LNil)
	case p.hasNode:
		L.Push(lua.LString(p.node + "@" + p.host))
	default:
		L.Push(lua.LString(p.host))
	}
	return 1
}

// jidPart is node, host or resource: the one part of the split.
func jidPart(which int) lua.LGFunction {
	return func(L *lua.LState) int {
		s, ok := jidArg(L, 1)
		p, valid := jidSplit(s)
		ok = ok && valid
		switch which {
		case 0:
			L.Push(jidOpt(p.node, ok && p.hasNode))
		case 1:
			L.Push(jidOpt(p.host, ok))
		default:
			L.Push(jidOpt(p.res, ok && p.hasRes))
		}
		return 1
	}
}

// jidJoin is join(node, host, resource): nil without a host.
func jidJoin(p jidParts) string {
	s := p.host
	if p.hasNode {
		s = p.node + "@" + s
	}
	if p.hasRes {
		s += "/" + p.res
	}
	return s
}

// jidOptArg is argument n as a string, absent when nil.
func jidOptArg(L *lua.LState, n int) (string, bool) {
	if L.Get(n) == lua.LNil {
		return "", false
	}
	return L.CheckString(n), true
}

func jidJoinL(L *lua.LState) int {
	var p jidParts
	var hasHost bool
	p.node, p.hasNode = jidOptArg(L, 1)
	p.host, hasHost = jidOptArg(L, 2)
	p.res, p.hasRes = jidOptArg(L, 3)
	if !hasHost {
		return 0
	}
	L.Push(lua.LString(jidJoin(p)))
	return 1
}

func jidCompareL(L *lua.LState) int {
	j, _ := jidSplit(L.OptString(1, ""))
	a, _ := jidSplit(L.OptString(2, ""))
	ok := (!a.hasNode || (j.hasNode && a.node == j.node)) &&
		(a.host == "" || a.host == j.host) &&
		(!a.hasRes || (j.hasRes && a.res == j.res))
	L.Push(lua.LBool(ok))
	return 1
}
