package bridge

import _ "embed"

// net.resolvers.basic is written in Lua (lib_net_resolvers_basic.lua):
// net.connect's resolver for one name and port.

//go:embed lib_net_resolvers_basic.lua
var netResolversBasicSource string

func init() {
	registerLibrary("net.resolvers.basic", luaSourceLibrary("net.resolvers.basic", netResolversBasicSource))
}
