package lua

// moonport: benchmarks of what moonport's bench modules do on every event
// (bench/modules/mod_bench_resp.lua, _echo.lua, _http.lua): stdlib calls
// through the Go function call path, table access by string and userdata
// keys, concatenation, and the RESP parser whole (see MOONPORT.md,
// "Hot paths of a module's event").

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// benchHot is benchLua reporting also cpu-ns/op, the CPU time of the
// benchmark's thread per iteration (steadier than ns/op on a shared
// machine; the GC's background work on other threads is not in it).
func benchHot(b *testing.B, setup, call string) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU()
	benchLua(b, setup, call)
	cpu := threadCPU() - start
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	return cpu
}

// benchLuaUD is benchLua with a global u holding a userdata whose
// metatable's __index has a Go method write, as moonport's conn objects.
func benchLuaUD(b *testing.B, setup, call string) {
	L := NewState()
	defer L.Close()
	ud := L.NewUserData()
	mt := L.NewTable()
	methods := L.NewTable()
	methods.RawSetString("write", L.NewFunction(func(L *LState) int {
		L.CheckUserData(1)
		L.CheckString(2)
		L.Push(LTrue)
		return 1
	}))
	mt.RawSetString("__index", methods)
	L.SetMetatable(ud, mt)
	L.SetGlobal("u", ud)
	if err := L.DoString(setup + "\nfunction bench_f(n) for i = 1, n do " + call + " end end"); err != nil {
		b.Fatal(err)
	}
	f := L.GetGlobal("bench_f")
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU()
	b.ResetTimer()
	if err := L.CallByParam(P{Fn: f, NRet: 0, Protect: true}, LNumber(b.N)); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(threadCPU()-start)/float64(b.N), "cpu-ns/op")
}

const hotLocals = `local byte, find, sub = string.byte, string.find, string.sub
local s = "*1\r\n$4\r\nPING\r\n"`

func BenchmarkStringByte(b *testing.B) {
	benchHot(b, hotLocals, `local c = byte(s, 1)`)
}

func BenchmarkStringFindPlainLocal(b *testing.B) {
	benchHot(b, hotLocals, `local e = find(s, "\r\n", 5, true)`)
}

func BenchmarkStringFindPlainMiss(b *testing.B) {
	benchHot(b, hotLocals, `local e = find(s, "\r\n\r\n", 1, true)`)
}

func BenchmarkStringSub(b *testing.B) {
	benchHot(b, hotLocals, `local t = sub(s, 6, 6)`)
}

func BenchmarkStringSubLong(b *testing.B) {
	benchHot(b, hotLocals, `local t = sub(s, 9)`)
}

func BenchmarkTonumber(b *testing.B) {
	benchHot(b, `local tonumber = tonumber; local s = "1234"`, `local n = tonumber(s)`)
}

func BenchmarkTonumberFloat(b *testing.B) {
	benchHot(b, `local tonumber = tonumber; local s = "12.5"`, `local n = tonumber(s)`)
}

func BenchmarkConcat(b *testing.B) {
	benchHot(b, `local a, c = "*1\r\n$4\r", "\nPING\r\n"`, `local t = a .. c`)
}

func BenchmarkTableStringKey(b *testing.B) {
	benchHot(b, `local t = {content_type = "x", other = 1}`, `t.content_type = "text/plain"; local v = t.other`)
}

func BenchmarkTableUserdataKey(b *testing.B) {
	benchLuaUD(b, `local u, pending = u, {}`, `pending[u] = "x"; local v = pending[u]; pending[u] = nil`)
}

func BenchmarkMethodCall(b *testing.B) {
	// the echo module's whole work: conn:write(data)
	benchLuaUD(b, `local u, data = u, "hello"`, `u:write(data)`)
}

func BenchmarkHTTPHandler(b *testing.B) {
	// the HTTP module's route handler with the event table it gets
	benchHot(b, `local function h(event)
		event.response.headers.content_type = "text/plain"
		return "hello\n"
	end`, `local r = h({request = {}, response = {headers = {}}})`)
}

// respParser is the parse function of bench/modules/mod_bench_resp.lua.
const respParser = `local find, sub, byte = string.find, string.sub, string.byte
local STAR = byte("*")
local function parse(buf)
	local count, pos, len = 0, 1, #buf
	while pos <= len do
		if byte(buf, pos) == STAR then
			local e1 = find(buf, "\r\n", pos, true)
			if not e1 then break end
			local e2 = find(buf, "\r\n", e1 + 2, true)
			if not e2 then break end
			local n = tonumber(sub(buf, e1 + 3, e2 - 1))
			if not n then return nil end
			if len < e2 + 1 + n + 2 then break end
			pos = e2 + 2 + n + 2
		else
			local e = find(buf, "\n", pos, true)
			if not e then break end
			pos = e + 1
		end
		count = count + 1
	end
	return count, sub(buf, pos)
end
`

// BenchmarkRESPParse16 parses 16 pipelined PINGs per op, as redis-benchmark
// -P 16 sends them; ns/cmd is the "per command" figure.
func BenchmarkRESPParse16(b *testing.B) {
	buf := strings.Repeat("*1\r\n$4\r\nPING\r\n", 16)
	cpu := benchHot(b, respParser+"local buf = \""+strings.ReplaceAll(strings.ReplaceAll(buf, "\r", `\r`), "\n", `\n`)+"\"",
		`local c, rest = parse(buf); if c ~= 16 then error("parsed " .. tostring(c)) end`)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*16), "ns/cmd")
	b.ReportMetric(float64(cpu)/float64(b.N*16), "cpu-ns/cmd")
}

// BenchmarkCallFromGo is one event as moonport delivers it: Go calls a Lua
// function with a userdata and a string, protected.
func BenchmarkCallFromGo(b *testing.B) {
	L := NewState()
	defer L.Close()
	if err := L.DoString(`function on(conn, data) return #data end`); err != nil {
		b.Fatal(err)
	}
	f := L.GetGlobal("on")
	ud := L.NewUserData()
	data := LString("*1\r\n$4\r\nPING\r\n")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := L.CallByParam(P{Fn: f, NRet: 1, Protect: true}, ud, data); err != nil {
			b.Fatal(err)
		}
		L.Pop(1)
	}
}

func BenchmarkEmptyLoop(b *testing.B) {
	// the loop the benchmarks above run, alone
	benchHot(b, ``, `local c = i`)
}

func BenchmarkType(b *testing.B) {
	// the usual argument check of a Lua function
	benchHot(b, `local type, s = type, "x"`, `local ok = type(s) == "string"`)
}

func BenchmarkMathFloor(b *testing.B) {
	benchHot(b, `local floor, x = math.floor, 1234.5`, `local f = floor(x / 2)`)
}
