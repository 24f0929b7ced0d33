package bridge

import lua "github.com/yuin/gopher-lua"

// Declarations for an XMPP server's service discovery: moonport has none
// to advertise in, so modules that make them (alongside HTTP routes or
// timers, say) load and carry on, and the declarations go nowhere.

func init() {
	registerModuleMethods(map[string]lua.LGFunction{
		"add_feature":   declareNothing,
		"add_identity":  declareNothing,
		"add_extension": declareNothing,
	})
}

// declareNothing accepts a declaration and returns nothing, as Prosody's
// add_feature and friends return nothing to their callers.
func declareNothing(*lua.LState) int { return 0 }
