package bridge

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/metrics"
	"github.com/moonport/moonport/host/ports"
)

// Prosody's globals, in every module's state: `prosody` (the server's
// version, paths, start time and controls), `hosts` (every host with its
// type and modules) and `log`. Modules live in states of their own, so
// each state has its own copies; `hosts` is brought up to date whenever
// a module reads it (as `hosts` or `prosody.hosts`) after the hosts or
// the loaded modules changed.

// CompatVersion is the Prosody release whose module API moonport offers.
const CompatVersion = "0.12"

// ServerInfo is what the host tells modules about the server.
type ServerInfo struct {
	Version string // moonport's version, in prosody.version
	// Listening lists the sockets open now (before they open, the ones
	// planned), for module:http_url.
	Listening func() []ports.Binding
}

// serverFacts are what the runtime knows of the server for its modules.
type serverFacts struct {
	info        atomic.Pointer[ServerInfo]
	started     atomic.Int64 // Unix nanoseconds the server started serving; 0 before
	metricsOnce sync.Once
	metrics     *metrics.Registry
}

// SetServerInfo tells modules about the server; the host calls it before
// loading modules.
func (rt *Runtime) SetServerInfo(info ServerInfo) { rt.facts.info.Store(&info) }

// MarkStarted records when the server started serving (prosody.start_time,
// nil before: mod_posix tells startup by that). The host calls it before
// firing server-started.
func (rt *Runtime) MarkStarted(t time.Time) { rt.facts.started.Store(t.UnixNano()) }

func (rt *Runtime) serverInfo() ServerInfo {
	if i := rt.facts.info.Load(); i != nil {
		return *i
	}
	return ServerInfo{Version: "dev"}
}

// installGlobals sets prosody, hosts and log in the instance's state.
func (inst *Instance) installGlobals() {
	L := inst.L
	hosts := newHostsTable(inst)
	prosody := L.SetFuncs(L.NewTable(), prosodyFuncs, inst.ud)
	info := inst.rt.serverInfo()
	prosody.RawSetString("version", lua.LString(CompatVersion+" (moonport "+info.Version+")"))
	prosody.RawSetString("platform", lua.LString("posix"))
	prosody.RawSetString("process_type", lua.LString("prosody"))
	paths := L.NewTable()
	for k, v := range inst.rt.paths() {
		paths.RawSetString(k, lua.LString(v))
	}
	prosody.RawSetString("paths", paths)
	// The command line's options: moonport passes Prosody's none (mod_posix
	// reads opts.daemonize).
	prosody.RawSetString("opts", L.NewTable())
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		switch L.CheckString(2) {
		case "hosts":
			L.Push(hosts.fresh())
		case "events":
			L.Push(inst.eventsObject("*"))
		case "start_time":
			if ns := inst.rt.facts.started.Load(); ns != 0 {
				L.Push(lua.LNumber(float64(ns) / 1e9))
				return 1
			}
			L.Push(lua.LNil)
		default:
			L.Push(lua.LNil)
		}
		return 1
	}))
	L.SetMetatable(prosody, mt)
	L.SetGlobal("prosody", prosody)
	inst.module.RawSetString("environment", L.G.Global)
	L.SetGlobal("log", L.NewClosure(globalLog, inst.ud))
	gmt := L.NewTable()
	gmt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		if L.CheckString(2) == "hosts" {
			L.Push(hosts.fresh())
			return 1
		}
		L.Push(lua.LNil)
		return 1
	}))
	L.SetMetatable(L.G.Global, gmt)
}

// globalLog is Prosody's global log(level, fmt, ...).
func globalLog(L *lua.LState) int {
	instanceOf(L).logAt(L.CheckString(1), format(L, 2))
	return 0
}

var prosodyFuncs = map[string]lua.LGFunction{
	"shutdown":       prosodyShutdown,
	"reload_config":  prosodyReloadConfig,
	"lock_globals":   func(*lua.LState) int { return 0 },
	"unlock_globals": func(*lua.LState) int { return 0 },
}

// prosodyShutdown is prosody.shutdown(reason): moonport stops as the
// console's shutdown stops it, finishing its connections.
func prosodyShutdown(L *lua.LState) int {
	inst := instanceOf(L)
	reason := L.OptString(1, "module request")
	if inst.rt.admin == nil {
		L.RaiseError("prosody.shutdown: no admin interface in this process")
	}
	if _, err := inst.rt.admin.Call("shutdown", []any{reason}); err != nil {
		L.RaiseError("prosody.shutdown: %v", err)
	}
	return 0
}

// prosodyReloadConfig is prosody.reload_config(): moonport's reload, as
// the console's. A reload runs module code (this module's too), so it
// starts after the calling callback and the call returns true at once;
// the reload's outcome is logged.
func prosodyReloadConfig(L *lua.LState) int {
	inst := instanceOf(L)
	admin := inst.rt.admin
	if admin == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("no admin interface in this process"))
		return 2
	}
	inst.rt.background(func() {
		if _, err := admin.Call("reload", nil); err != nil && inst.rt.ctx.Err() == nil {
			inst.log.Errorf("prosody.reload_config: %v", err)
		}
	})
	L.Push(lua.LTrue)
	return 1
}

// paths are prosody.paths: the config file's folder, the module folders
// (";"-separated, as Prosody's plugin path), data_path (else the config
// file's folder) and the folder of moonport's executable.
func (rt *Runtime) paths() map[string]string {
	snap := rt.Config()
	config := "."
	if snap != nil && snap.Path != "" {
		if abs, err := filepath.Abs(snap.Path); err == nil {
			config = filepath.Dir(abs)
		}
	}
	data := config
	if snap != nil && snap.Options != nil && snap.Options.DataPath != "" {
		data = snap.Options.DataPath
	}
	var plugins []string
	for _, s := range rt.currentSources() {
		plugins = append(plugins, s.Label)
	}
	source := "."
	if exe, err := os.Executable(); err == nil {
		source = filepath.Dir(exe)
	}
	return map[string]string{"config": config, "data": data, "plugins": strings.Join(plugins, ";"), "source": source}
}
