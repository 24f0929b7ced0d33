package bridge

import _ "embed"

// util.ip is written in Lua (lib_util_ip.lua) over util.net's pton and
// ntop (lib_util_net.go).

//go:embed lib_util_ip.lua
var utilIPSource string

func init() { registerLibrary("util.ip", luaSourceLibrary("util.ip", utilIPSource)) }
