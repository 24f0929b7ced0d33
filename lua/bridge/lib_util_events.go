package bridge

import _ "embed"

// util.events is written in Lua (lib_util_events.lua): each events object
// is a set of closures over its handler tables, as modules expect to pass
// the functions around without self.

//go:embed lib_util_events.lua
var utilEventsSource string

func init() { registerLibrary("util.events", luaSourceLibrary("util.events", utilEventsSource)) }
