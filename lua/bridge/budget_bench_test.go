package bridge

import (
	"testing"
)

// benchRespModule is the parser of bench/modules/mod_bench_resp.lua; a
// callback parses 16 pipelined PINGs.
const benchRespModule = `
local find, sub, byte = string.find, string.sub, string.byte
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
local buf = ` + "\"" + `*1\r\n$4\r\nPING\r\n` + "\"" + `
buf = buf:rep(16)
function onincoming() return (parse(buf)) end
function arith() local y = 0; for j = 1, 100 do y = y + j * 2 end; return y end
`

// BenchmarkCallbackBudget is one callback (begin, the Lua, end) with the
// run budget off and on (the default lua_timeout and lua_memory_limit):
// the VM's flag check and begin's re-arm are the difference.
func BenchmarkCallbackBudget(b *testing.B) {
	for _, fn := range []string{"onincoming", "arith"} {
		for _, c := range []struct{ name, cfg string }{
			{"off", "lua_timeout = 0\nlua_memory_limit = 0\n"},
			{"on", "lua_timeout = 1\n"},
		} {
			b.Run(fn+"/"+c.name, func(b *testing.B) {
				tr := newTestRuntime(b, c.cfg, map[string]string{"resp": benchRespModule})
				inst := tr.load(b, "resp")
				if out, err := callGlobal(inst, fn); err != nil || (fn == "onincoming" && out != "16") {
					b.Fatalf("%s: %q %v", fn, out, err)
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := callGlobal(inst, fn); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
