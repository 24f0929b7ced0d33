package bridge

import _ "embed"

// net.connect and net.resolvers.basic are written in Lua
// (lib_net_connect.lua, lib_net_resolvers_basic.lua) on net.server's
// outgoing connections.

//go:embed lib_net_connect.lua
var netConnectSource string

func init() { registerLibrary("net.connect", luaSourceLibrary("net.connect", netConnectSource)) }
