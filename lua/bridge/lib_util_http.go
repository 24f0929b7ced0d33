package bridge

import _ "embed"

// util.http is written in Lua (lib_util_http.lua): string work that
// Prosody's HTTP modules call on every request, where a Go call would
// cost more than it saves.

//go:embed lib_util_http.lua
var utilHTTPSource string

func init() { registerLibrary("util.http", luaSourceLibrary("util.http", utilHTTPSource)) }
