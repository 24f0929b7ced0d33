package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// queueDump is Lua that defines dump(q): position=item from the oldest.
const queueDump = `local queue = require "util.queue"
local function dump(q)
	local out = {}
	for i, v in q:items() do out[#out + 1] = i .. "=" .. tostring(v) end
	return table.concat(out, ",") .. " n=" .. q:count() .. " peek=" .. tostring(q:peek()) .. " size=" .. q.size
end
`

var queueCases = []string{
	queueDump + `local q = queue.new(3)
	local r = { dump(q), tostring(q:pop()) }
	for i = 1, 4 do local ok, err = q:push("v" .. i); r[#r + 1] = tostring(ok) .. tostring(err) end
	r[#r + 1] = dump(q)
	r[#r + 1] = tostring(q:pop()) .. " " .. dump(q)
	q:push("x"); q:push("y")
	r[#r + 1] = dump(q)
	r[#r + 1] = tostring(q:replace("R")) .. " " .. dump(q)
	local got = {}
	for item in q:consume() do got[#got + 1] = item end
	r[#r + 1] = table.concat(got, ",") .. " " .. dump(q)
	r[#r + 1] = tostring(q:replace("E")) .. " " .. dump(q)
	return table.concat(r, "\n")`,
	queueDump + `local q = queue.new(3, true)
	local r = {}
	for i = 1, 7 do r[#r + 1] = tostring(q:push(i)) end
	r[#r + 1] = dump(q)
	r[#r + 1] = q:pop() .. q:pop() .. " " .. dump(q)
	for i = 8, 9 do q:push(i) end
	r[#r + 1] = dump(q)
	local push, pop = q.push, q.pop
	push(nil, 10)
	r[#r + 1] = pop() .. " " .. dump(q)
	return table.concat(r, "\n")`,
	queueDump + `local q = queue.new(1)
	return tostring(q:push(false)) .. tostring(q:pop()) .. tostring(q:pop()) .. " " .. dump(q)`,
}

// util.queue against Prosody's own.
func TestUtilQueueProsody(t *testing.T) {
	expectCases(t, queueCases, testenv.ProsodyLuaCases(t, queueCases...))
}

func TestUtilQueue(t *testing.T) {
	expectCases(t, []string{
		queueDump + `local q = queue.new(2); q:push("a"); q:push("b"); local ok, err = q:push("c"); return tostring(ok) .. err .. " " .. q:pop() .. " " .. dump(q)`,
		queueDump + `local q = queue.new(2, true); q:push("a"); q:push("b"); q:push("c"); return dump(q)`,
	}, []string{"nilqueue full a 1=b n=1 peek=b size=2", "1=b,2=c n=2 peek=b size=2"})
}
