package lua

// moonport: the fast paths of fastcall.go give exactly the regular
// call's results, in every register layout OP_CALL leaves.

import "testing"

// fastCallCases calls each function with many arguments in three ways:
// with 3, 1 and 0 results wanted (OP_CALL's fast path) and inside a
// table constructor (all results wanted: the regular call), and compares;
// errors are compared through pcall.
const fastCallCases = `
local byte, find, sub, len, tonumber = string.byte, string.find, string.sub, string.len, tonumber
local strs = {"", "a", "ab\0c", "*1\r\n$4\r\nPING\r\n", "a.b+c"}
local calls = {}
local function add(name, f) calls[#calls + 1] = {name, f} end
for _, s in ipairs(strs) do
	for i = -7, 7 do
		add("byte", function(fast)
			if fast == 3 then local a, b, c = byte(s, i); return {a, b, c} end
			if fast == 1 then local a = byte(s, i); return {a} end
			if fast == 0 then byte(s, i); return {} end
			return {byte(s, i)}
		end)
		for j = -7, 7 do
			add("sub", function(fast)
				if fast == 3 then local a, b, c = sub(s, i, j); return {a, b, c} end
				if fast == 1 then local a = sub(s, i, j); return {a} end
				if fast == 0 then sub(s, i, j); return {} end
				return {sub(s, i, j)}
			end)
		end
		add("sub2", function(fast)
			if fast == 3 then local a, b, c = sub(s, i); return {a, b, c} end
			if fast == 1 then local a = sub(s, i); return {a} end
			if fast == 0 then sub(s, i); return {} end
			return {sub(s, i)}
		end)
		for _, p in ipairs({"", "a", "\r\n", "\0", ".", "+", "b+", "zz"}) do
			for _, plain in ipairs({true, false, "x"}) do
				add("find", function(fast)
					if fast == 3 then local a, b, c = find(s, p, i, plain); return {a, b, c} end
					if fast == 1 then local a = find(s, p, i, plain); return {a} end
					if fast == 0 then find(s, p, i, plain); return {} end
					return {find(s, p, i, plain)}
				end)
			end
			add("find3", function(fast)
				if fast == 3 then local a, b, c = find(s, p, i); return {a, b, c} end
				if fast == 1 then local a = find(s, p, i); return {a} end
				return {find(s, p, i)}
			end)
		end
	end
	add("len", function(fast)
		if fast == 3 then local a, b = len(s); return {a, b} end
		return {len(s)}
	end)
	add("find2", function(fast)
		if fast == 3 then local a, b, c = find(s, "\r\n"); return {a, b, c} end
		return {find(s, "\r\n")}
	end)
end
for _, x in ipairs({"1234", "0", "-7", "-0", "007", " 1", "1e3", "0x10", "12.5", "", "123456789012345", "1234567890123456", 5, -0.5}) do
	add("tonumber", function(fast)
		if fast == 3 then local a, b = tonumber(x); return {a, b} end
		if fast == 1 then local a = tonumber(x); return {a} end
		return {tonumber(x)}
	end)
end
local floor = math.floor
for _, x in ipairs({3.7, -3.5, 0, 0 * -1, -0.5, 0.5, 2^53 + 0.5, -2^60, 1/0, -1/0, 0/0, 1e300, 5, "3.7", "x", true}) do
	add("floor", function(fast) -- one line: errors name it
		local ok, a; if fast == 3 then ok, a = pcall(function() local v = floor(x); return v end) else ok, a = pcall(function() return {floor(x)} end); if ok then a = a[1] end end
		return {ok, a ~= a and "nan" or a, a == 0 and 1/a or nil}
	end)
end
for _, x in ipairs({nil, 1, "s", {}, print, true, coroutine.create(print), newproxy()}) do
	add("type", function(fast)
		if fast == 3 then local a, b = type(x); return {a, b} end
		if fast == 1 then local a = type(x); return {a} end
		return {type(x)}
	end)
end
-- arguments of other types or counts: the regular call, same errors
local odd = {
	function() return byte("abc", "2") end, function() return byte(12, 1) end,
	function() return byte("abc", nil) end, function() return byte("abc") end,
	function() return byte("abc", 1, 2) end, function() return sub("abc", nil) end,
	function() return sub("abc", 1, "x") end, function() return sub(123, 2) end,
	function() return find("abc", 1) end, function() return find("abc", "b", "x") end,
	function() return find(nil, "b") end, function() return len(nil) end,
	function() return tonumber("10", 16) end, function() return tonumber() end,
	function() return sub("abc", 2, nil) end, function() return find("abc", "b", nil, true) end,
	function() return type() end, function() return floor() end,
}
for k, f in ipairs(odd) do
	add("odd" .. k, function(fast)
		if fast == 3 then local ok, a, b = pcall(f); return {ok, a, b} end
		return {pcall(f)}
	end)
end
local bad = 0
for _, c in ipairs(calls) do
	local want = c[2](nil)
	for _, fast in ipairs({3, 1, 0}) do
		local ok, got = pcall(c[2], fast)
		if not ok then got = {"error", got} end
		local n = fast == 0 and 0 or fast
		for k = 1, math.min(n, 3) do
			if got[k] ~= want[k] and not (got[k] ~= got[k] and want[k] ~= want[k]) then
				bad = bad + 1
				show(c[1], fast, k, tostring(got[k]), tostring(want[k]))
			end
		end
	end
end
show("calls", #calls, "mismatches", bad)
`

func TestFastPathsMatchRegular(t *testing.T) {
	L := NewState()
	defer L.Close()
	if err := L.DoString(showPrelude + fastCallCases + "\nreturn table.concat(out, '\\n')"); err != nil {
		t.Fatal(err)
	}
	if got, want := L.ToString(-1), "calls 3733 mismatches 0"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
