package bridge

import (
	"net/netip"

	lua "github.com/yuin/gopher-lua"
)

// util.net: the address conversions of Prosody's C library util.net
// (inet_pton and inet_ntop), on net/netip. local_addresses, which lists
// the machine's interfaces, is not provided: no module moonport serves
// needs it.

func init() {
	registerLibrary("util.net", funcsLibrary(map[string]lua.LGFunction{"pton": netPton, "ntop": netNtop}))
}

// netPton is pton(text): the 4 or 16 bytes of an address, or nil.
func netPton(L *lua.LState) int {
	a, err := netip.ParseAddr(L.CheckString(1))
	if err != nil || a.Zone() != "" {
		L.Push(lua.LNil)
		L.Push(lua.LString("Invalid argument"))
		return 2
	}
	if a.Is4() {
		b := a.As4()
		L.Push(lua.LString(b[:]))
	} else {
		b := a.As16()
		L.Push(lua.LString(b[:]))
	}
	return 1
}

// netNtop is ntop(bytes): the text of a 4- or 16-byte address, IPv6 in
// its shortest form (an IPv4-mapped one as ::ffff:a.b.c.d).
func netNtop(L *lua.LState) int {
	b := L.CheckString(1)
	a, ok := netip.AddrFromSlice([]byte(b))
	if !ok {
		L.Push(lua.LNil)
		L.Push(lua.LString("Address family not supported by protocol"))
		L.Push(lua.LNumber(97)) // EAFNOSUPPORT
		return 3
	}
	L.Push(lua.LString(a.String()))
	return 1
}
