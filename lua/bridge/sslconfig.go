package bridge

import (
	"errors"
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/value"
	"github.com/moonport/moonport/lua/luaval"
)

// sslConfig copies a service's ssl_config out of the module's state.
// Prosody's tables may hold functions (mod_net_multiplex's alpn, which
// LuaSec calls at each handshake with the client's protocols), so each
// becomes a value.Function that host/tlsconf can call without knowing Lua.
// where is the provides call, for tlsconf's messages about the table.
func (inst *Instance) sslConfig(t *lua.LTable, where string) (*value.Table, error) {
	gv, err := luaval.ToGoFunctions(t, func(fn *lua.LFunction) any { return inst.goFunction(fn) })
	if err != nil {
		return nil, err
	}
	tbl := gv.(*value.Table)
	tbl.Origin = where
	return tbl, nil
}

// errStopped is a call to a function of a module that has stopped
// (unloaded, or replaced by a reload whose TLS has not been built yet).
var errStopped = errors.New("its module has stopped")

// goFunction lets Go code run fn: each call waits for the instance's state
// like any event and runs under the same budget (lua_timeout,
// lua_memory_limit). It must not be called from this instance's own Lua
// code; TLS handshakes, its only callers, run outside every callback.
func (inst *Instance) goFunction(fn *lua.LFunction) *value.Function {
	where := luaval.Where(fn)
	return &value.Function{Where: where, Call: func(args ...any) ([]any, error) {
		var out []any
		var err error
		ran := inst.call(func() {
			lv := make([]lua.LValue, len(args))
			for i, a := range args {
				lv[i] = luaval.ToLua(inst.L, a)
			}
			res, cerr := inst.protect("function "+where, fn, lua.MultRet, lv...)
			if cerr != nil {
				err = cerr
				return
			}
			for _, r := range res {
				g, cerr := luaval.ToGo(r)
				if cerr != nil {
					err = fmt.Errorf("function %s returned %v", where, cerr)
					return
				}
				out = append(out, g)
			}
		})
		if !ran {
			return nil, fmt.Errorf("function %s: %w", where, errStopped)
		}
		return out, err
	}}
}
