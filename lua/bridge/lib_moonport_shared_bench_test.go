package bridge

import (
	"context"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/config/luaconfig"
)

// The Lua call path of a shared dict: ns per dict:get / set / incr from
// a module's Lua, loop included (BenchmarkDictLuaLoop is the loop alone),
// in one state, and in one state per goroutine (worker copies) with
// -cpu 1,2,4:
//
//	go test -run '^$' -bench 'Dict' -benchmem -cpu 1,2,4 ./lua/bridge/

const dictBenchModule = `
local d = module:shared_dict("bench")
d:set("n", 1)
local function nop() end
function loop(n) for i = 1, n do nop(d, "n") end end
function get(n) for i = 1, n do d:get("n") end end
function set(n) for i = 1, n do d:set("n", i) end end
function incr(n) for i = 1, n do d:incr("n", 1, 0) end end
function incr_ttl(n) for i = 1, n do d:incr("limit", 1, 0, 60) end end
`

// benchInstances loads n copies of the bench module (module:set_workers).
func benchInstances(b *testing.B, n int) []*Instance {
	b.Helper()
	snap, err := luaconfig.Evaluate("bench.cfg.lua", []byte(`lua_timeout = 0; lua_memory_limit = 0; modules_enabled = { "dictbench" }; dictbench_workers = 4`))
	if err != nil {
		b.Fatal(err)
	}
	snap.Options.DataPath = b.TempDir()
	log := logrus.New()
	log.SetOutput(io.Discard)
	src := dictBenchModule + "\nmodule:provides('net', { name = 'dictbench', default_port = 1, listener = {} })"
	rt := New(Options{Log: log, Config: snap, Sources: sourcesOf(map[string]string{"dictbench": src})})
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
	})
	if err := rt.LoadAll(); err != nil {
		b.Fatal(err)
	}
	inst := rt.loadedModule("*", "dictbench")
	return append([]*Instance{inst}, inst.Copies()...)[:n]
}

// luaLoop runs fn(n) in inst's state.
func luaLoop(b *testing.B, inst *Instance, fn string, n int) {
	inst.call(func() {
		if _, err := inst.protect(fn, inst.L.GetGlobal(fn), 0, lua.LNumber(n)); err != nil {
			b.Error(err)
		}
	})
}

func benchDictLua(b *testing.B, fn string) {
	inst := benchInstances(b, 1)[0]
	b.ReportAllocs()
	b.ResetTimer()
	luaLoop(b, inst, fn, b.N)
}

func BenchmarkDictLuaLoop(b *testing.B)    { benchDictLua(b, "loop") }
func BenchmarkDictLuaGet(b *testing.B)     { benchDictLua(b, "get") }
func BenchmarkDictLuaSet(b *testing.B)     { benchDictLua(b, "set") }
func BenchmarkDictLuaIncr(b *testing.B)    { benchDictLua(b, "incr") }
func BenchmarkDictLuaIncrTTL(b *testing.B) { benchDictLua(b, "incr_ttl") }

// BenchmarkDictLuaIncrCopies: GOMAXPROCS copies (at most 4) each incr one
// shared key b.N/copies times at once: the contended case of a counter
// every copy bumps.
func BenchmarkDictLuaIncrCopies(b *testing.B) {
	n := min(4, runtime.GOMAXPROCS(0))
	insts := benchInstances(b, n)
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for _, inst := range insts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			luaLoop(b, inst, "incr", b.N/n)
		}()
	}
	wg.Wait()
}
