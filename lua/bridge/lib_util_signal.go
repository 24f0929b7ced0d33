package bridge

import (
	"syscall"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// require "util.signal": Prosody's C module, for modules that set signal
// handlers (mod_posix). moonport handles the process's signals itself
// (README, Signals: SIGHUP reloads, SIGUSR1 reopens the logs, SIGUSR2
// upgrades, SIGINT and SIGTERM stop cleanly), so signal(sig, handler)
// accepts the handler, as Prosody's does, and logs that moonport's own
// handling applies instead; the handler is not called. raise and kill are
// refused: a module does not signal the host or other processes.

func init() { registerLibrary("util.signal", openSignal) }

func openSignal(inst *Instance) lua.LValue {
	L := inst.L
	t := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"signal": signalSignal}, inst.ud)
	for n := 1; n < 65; n++ {
		if name := unix.SignalName(syscall.Signal(n)); name != "" {
			t.RawSetString(name, lua.LNumber(n))
		}
	}
	for _, name := range []string{"raise", "kill"} {
		msg := "util.signal." + name + " is not available in moonport: a module does not send signals (moonport handles its own: README, Signals)"
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			L.RaiseError("%s", msg)
			return 0
		}))
	}
	return t
}

// signalSignal is signal(sig, handler): sig a name ("SIGHUP") or number.
// It returns true, and logs once per signal and module that the handler
// is not called; an unknown name is an error, as in Prosody.
func signalSignal(L *lua.LState) int {
	inst := instanceOf(L)
	var sig syscall.Signal
	switch v := L.Get(1).(type) {
	case lua.LNumber:
		sig = syscall.Signal(int(v))
	case lua.LString:
		sig = unix.SignalNum(string(v))
		if sig == 0 {
			L.RaiseError("invalid signal string")
		}
	default:
		L.ArgError(1, "a signal name or number")
	}
	L.CheckFunction(2)
	name := unix.SignalName(sig)
	if !inst.toldOwned["signal "+name] {
		if inst.toldOwned == nil {
			inst.toldOwned = map[string]bool{}
		}
		inst.toldOwned["signal "+name] = true
		inst.log.Infof("util.signal: moonport handles %s itself (README, Signals); this module's handler is not called", name)
	}
	L.Push(lua.LTrue)
	return 1
}
