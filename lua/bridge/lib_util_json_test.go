package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// jsonShow is Lua that prints a decoded value in a form that does not
// depend on pairs order or number formatting differences.
const jsonShow = `
local json = require "util.json"
local function show(v)
	if v == json.null then return "null" end
	if type(v) ~= "table" then return type(v) .. ":" .. tostring(v) end
	local keys = {}
	for k in pairs(v) do keys[#keys + 1] = k end
	table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
	local out = {}
	for _, k in ipairs(keys) do out[#out + 1] = tostring(k) .. "=" .. show(v[k]) end
	return "{" .. table.concat(out, ",") .. "}" .. (getmetatable(v) and "A" or "")
end
local function try(s)
	local v, err = json.decode(s)
	if v == nil then return "nil/" .. tostring(err) end
	return show(v) .. " -> " .. json.encode_ordered(v)
end
`

var jsonDiffCases = []string{
	`local json = require "util.json"
	local f = function() end
	local out = {}
	for _, v in ipairs({ 1, -2.5, 1e100, 0.1, "a\"b\\c/\1\31\127\n\t\r\b\f", true, false, {}, { 1, 2, 3 },
		{ a = 1, b = { c = "d" } }, { 1, 2, nil, 4 }, { [1] = 1, [3] = 3 }, { [1.5] = true }, { f = f },
		{ 1, f, 3 }, { __array = 1 }, { x = json.null, 1 }, json.null, { [true] = false }, { [2] = "x" },
		{ { {} } }, "héllo \240\159\152\128" }) do
		out[#out + 1] = json.encode_ordered(v)
	end
	out[#out + 1] = json.encode(f) .. json.encode(nil) .. json.encode({ k = "v" }) .. json.encode_array({ 1, "2", x = 3 })
	out[#out + 1] = json.encode_array({}) .. tostring(json.null)
	return table.concat(out, "\n")`,
	jsonShow + `local out = {}
	for _, s in ipairs({ "1", "-2.5", "2.5e-3", "-0.125E+1", "\"x\"", "true", "false", "null", "[]", "{}", "[1,2,[3]]", "{\"a\":{\"b\":[]}}",
		" [ 1 , 2 ] ", "{\"a\":1,}", "[1,]", "[1,", "[", "{", "{\"a\":", "{\"a\"", "{\"a\" 1}", "{1:2}", "", "   ", "1 2",
		"nul", "tru", "fals", "\"abc", "1-2", "-", "1e", "1.2.3", "\"\\u00e9\\u20AC\\ud83d\\ude00\"", "\"\\ud800\"", "\"\\u12\"",
		"\"\\x\\/\\\\\\\"\\n\\t\"", "\"a\tb\"", "{\"__array\":[1,2],\"__hash\":[true,3,\"k\",\"v\"],\"z\":1}",
		"{\"a\":null}", "[null,null]", "{\"a\":1,\"a\":2}", "[1]x", "\\n[1]", "{\"a\":[1,2,]}",
		"[\"\\\\u0041\"]" }) do
		out[#out + 1] = s .. " => " .. try(s)
	end
	return table.concat(out, "\n")`,
	`local json = require "util.json"
	local t = json.decode("{\"__hash\":[1.5,true],\"__array\":[\"a\"],\"n\":[]}")
	return json.encode_ordered(t) .. " " .. tostring(t[1.5]) .. " " .. json.encode(json.decode(json.encode({ 1, 2, { x = {} } }))) ..
		" " .. json.encode(json.decode("[1e400,-1e400]"))`,
}

// util.json against Prosody's own: encoding of each kind of table and
// value, decoding of good and bad documents and the failures returned.
func TestUtilJSONProsody(t *testing.T) {
	expectCases(t, jsonDiffCases, testenv.ProsodyLuaCases(t, jsonDiffCases...))
}

func TestUtilJSON(t *testing.T) {
	expectCases(t, []string{
		`local json = require "util.json" return json.encode_ordered({ b = { 1, 2 }, a = json.null, c = {} })`,
		`local json = require "util.json" local v, err = json.decode("[1,") return tostring(v) .. " " .. err`,
		`local json = require "util.json" local v = json.decode("{\"a\":[],\"b\":{}}") return json.encode_ordered(v)`,
		`local json = require "util.json" local t = {} t.t = t return tostring(pcall(json.encode, t))`,
		`local json = require "util.json" return tostring(json.decode(("["):rep(20000)))`,
	}, []string{
		`{"a":null,"b":[1,2],"c":{}}`,
		"nil value expected",
		`{"a":[],"b":{}}`,
		"false",
		"nil",
	})
}

// With a util.array to require, decoded arrays are its arrays, and its
// arrays encode as arrays, as in Prosody.
func TestUtilJSONUsesUtilArray(t *testing.T) {
	expectCases(t, []string{`
	local json, array = require "util.json", require "util.array"
	return json.decode("[1,2,3]"):length() .. json.encode(array()) .. json.encode({}) .. json.encode(array({ 1, x = 2 }))`,
	}, []string{"3[]{}[1]"})
}
