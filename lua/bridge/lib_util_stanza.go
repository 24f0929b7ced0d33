package bridge

import _ "embed"

// util.stanza is written in Lua (lib_util_stanza.lua): stanzas are tables
// with a metatable that modules index, extend and walk directly.

//go:embed lib_util_stanza.lua
var utilStanzaSource string

func init() { registerLibrary("util.stanza", luaSourceLibrary("util.stanza", utilStanzaSource)) }
