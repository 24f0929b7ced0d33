package bridge

import (
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// scramClientBody runs SCRAM-SHA-1 exchanges through handler() as a
// client would (util.hashes for the keys; xor by arithmetic, which both
// Lua 5.1 and 5.4 have) and prints what each step gave, the random part
// of the server's nonce left out.
const scramClientBody = `
local hashes = require "util.hashes"
local base64 = require "util.encodings".base64
local function show(...) local t = { ... }
	for i = 1, select("#", ...) do t[i] = tostring(t[i]) end; return table.concat(t, " ") end
local function xor(a, b)
	local out = {}
	for i = 1, #a do
		local x, y, r, p = a:byte(i), b:byte(i), 0, 1
		for _ = 1, 8 do
			if x % 2 ~= y % 2 then r = r + p end
			x, y, p = math.floor(x / 2), math.floor(y / 2), p * 2
		end
		out[i] = string.char(r)
	end
	return table.concat(out)
end
local function exchange(first, password, final)
	local c = handler():clean_clone()
	local picked = c:select("SCRAM-SHA-1")
	local status, challenge, text = c:process(first)
	if status ~= "challenge" then return show(picked, status, challenge, text, c.username) end
	local r, s, i = challenge:match("^r=([^,]*),s=([^,]*),i=(%d+)$")
	local bare = first:match("^[^,]*,[^,]*,(.*)$")
	local salted = hashes.pbkdf2_hmac_sha1(password, base64.decode(s), tonumber(i))
	local client_key = hashes.hmac_sha1(salted, "Client Key")
	local without = final(r)
	local auth = bare .. "," .. challenge .. "," .. without
	local proof = xor(client_key, hashes.hmac_sha1(hashes.sha1(client_key), auth))
	local server_sig = hashes.hmac_sha1(hashes.hmac_sha1(salted, "Server Key"), auth)
	local status2, answer, text2 = c:process(without .. ",p=" .. base64.encode(proof))
	return show(picked, status, r:sub(1, 6), i, status2, answer == "v=" .. base64.encode(server_sig) or answer, text2, c.username)
end
function scram_answers()
	local ok = function(r) return "c=biws,r=" .. r end
	return table.concat({
		exchange("n,,n=alice,r=abcdef", "s3cret pw", ok),
		exchange("n,,n=ALICE,r=abcdef", "s3cret pw", ok),
		exchange("n,,n=alice,r=abcdef", "wrong", ok),
		exchange("n,,n=alice,r=abcdef", "s3cret pw", function(r) return "c=biws,r=" .. r .. "x" end),
		exchange("n,,n=alice,r=abcdef", "s3cret pw", function(r) return "c=eSws,r=" .. r end),
		exchange("n,,n=nobody,r=abcdef", "s3cret pw", ok),
		exchange("n,,n=al=41ce,r=abcdef", "s3cret pw", ok),
		exchange("x,,n=alice,r=abcdef", "s3cret pw", ok),
		exchange("", "s3cret pw", ok),
	}, "\n")
end
`

// SCRAM-SHA-1 through core.usermanager's handler answers as Prosody's
// util.sasl does for an internal_hashed account (alice's keys): success
// with the server's signature, and each failure's condition and text.
func TestUsermanagerSASLScramAsProsodys(t *testing.T) {
	want := testenv.ProsodyLua(t, `local sasl = require "util.sasl"
local hex = require "util.hex"
function handler()
	return sasl.new("example.com", {
		plain_test = function() end,
		scram_sha_1 = function(_, user)
			if user ~= "alice" then return end
			return hex.from("bd2e8237976a20d952810190d43723a9174386fa"), hex.from("589ea3a2c924e02c06777dcb92ad4bb7a55525fc"),
				10000, "f15cf478-3c07-4597-9025-e16b620ea61d", true
		end })
end`+scramClientBody+`io.write(scram_answers())`)
	inst := userRuntime(t, "")
	inst.call(func() {
		if err := inst.L.DoString(`local um = require "core.usermanager"
function handler() return um.get_sasl_handler("example.com", {}) end` + scramClientBody); err != nil {
			t.Fatal(err)
		}
	})
	if got, err := callGlobal(inst, "scram_answers"); err != nil || got != want {
		t.Errorf("moonport:\n%s\n%v\nProsody:\n%s", got, err, want)
	}
}
