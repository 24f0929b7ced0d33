-- moonport's util.ip: address objects (addr, packed, proto, zone and
-- fields computed on first use: normal, bits, bits_full, scope, private,
-- label, precedence, toV4mapped), CIDR parsing and prefix matching, with
-- the answers of Prosody's util.ip.
local net = require "util.net"
local byte, sub, floor = string.byte, string.sub, math.floor
local concat = table.concat
local setmetatable, getmetatable, tonumber = setmetatable, getmetatable, tonumber

local computed = {}
local ip_mt = {}
ip_mt.__index = function(ip, key)
	local f = computed[key]
	if not f then return nil end
	local v = f(ip)
	ip[key] = v
	return v
end
ip_mt.__tostring = function(ip) return ip.addr end
ip_mt.__eq = function(a, b)
	return getmetatable(a) == ip_mt and getmetatable(b) == ip_mt and a.packed == b.packed
end

local function new_ip(text, proto)
	local zone
	if (proto == nil or proto == "IPv6") and text:find("%", 1, true) then
		text, zone = text:match("^(.-)%%(.*)")
	end
	local packed, err = net.pton(text)
	if not packed then return packed, err end
	local kind = (#packed == 16 and "IPv6") or (#packed == 4 and "IPv4") or nil
	if proto == nil then
		if not kind then return nil, "unknown protocol" end
		proto = kind
	elseif proto == "IPv6" or proto == "IPv4" then
		if proto ~= kind then return nil, proto == "IPv6" and "invalid-ipv6" or "invalid-ipv4" end
	else
		return nil, "invalid protocol"
	end
	return setmetatable({ addr = text, packed = packed, proto = proto, zone = zone }, ip_mt)
end

local match

function computed.normal(ip) return net.ntop(ip.packed) end

function computed.bits(ip)
	local out = {}
	for i = 1, #ip.packed do
		local b, s = byte(ip.packed, i), {}
		for j = 8, 1, -1 do
			s[j] = b % 2
			b = floor(b / 2)
		end
		out[i] = concat(s)
	end
	return concat(out)
end

function computed.toV4mapped(ip)
	if ip.proto ~= "IPv4" then return nil end
	return new_ip("::ffff:" .. ip.normal)
end

function computed.bits_full(ip)
	if ip.proto == "IPv4" then return ip.toV4mapped.bits end
	return ip.bits
end

-- Well-known prefixes, as { address, prefix length, value }, in the order
-- the tables of RFC 6724 (label, precedence) are searched.
local function P(text) return new_ip(text) end
local loopback6 = P "::1"
local by_prefix = {
	{ P "2002::", 16, 2, 30 }, { P "2001::", 32, 5, 5 }, { P "fc00::", 7, 13, 3 },
	{ P "fec0::", 10, 11, 1 }, { P "3ffe::", 16, 12, 1 }, { P "::", 96, 3, 1 },
	{ P "::ffff:0:0", 96, 4, 35 },
}

local function classify(ip, column, loop, default)
	if ip.proto == "IPv4" then ip = ip.toV4mapped end
	if ip == loopback6 then return loop end
	for _, row in ipairs(by_prefix) do
		if match(ip, row[1], row[2]) then return row[column] end
	end
	return default
end

function computed.label(ip) return classify(ip, 3, 0, 1) end
function computed.precedence(ip) return classify(ip, 4, 50, 40) end

local v4loop, v4link = P "127.0.0.0", P "169.254.0.0"
local v6link, v6site, v6multi = P "fe80::", P "fec0::", P "ff00::"

function computed.scope(ip)
	if ip.proto == "IPv4" then
		if match(ip, v4loop, 8) or match(ip, v4link, 16) then return 0x2 end
		return 0xE
	end
	if ip == loopback6 or match(ip, v6link, 10) then return 0x2 end
	if match(ip, v6site, 10) then return 0x5 end
	if match(ip, v6multi, 10) then return byte(ip.packed, 2) % 16 end
	return 0xE
end

local private4 = { { P "10.0.0.0", 8 }, { P "172.16.0.0", 12 }, { P "192.168.0.0", 16 }, { P "100.64.0.0", 10 } }

function computed.private(ip)
	if ip.scope ~= 0xE then return true end
	if ip.proto ~= "IPv4" then return false end
	for _, net4 in ipairs(private4) do
		if match(ip, net4[1], net4[2]) then return true end
	end
	return false
end

local function parse_cidr(cidr)
	local bits
	local slash = cidr:find("/", 1, true)
	if slash then
		bits = tonumber(cidr:sub(slash + 1))
		cidr = cidr:sub(1, slash - 1)
	end
	return new_ip(cidr), bits
end

-- match: do a and b share their first bits bits (all of them without
-- bits)? An IPv4 address is compared as IPv4-mapped IPv6 with an IPv6 one.
function match(a, b, bits)
	if not bits or bits >= 128 or (b.proto == "IPv4" and bits >= 32) then return a == b end
	if bits < 1 then return true end
	if a.proto ~= b.proto then
		if a.proto == "IPv4" then
			a = a.toV4mapped
		elseif b.proto == "IPv4" then
			b = b.toV4mapped
			bits = bits + 96
		end
	end
	return sub(a.bits, 1, bits) == sub(b.bits, 1, bits)
end

local function commonPrefixLength(a, b)
	local x, y = a.bits_full, b.bits_full
	for i = 1, 128 do
		if sub(x, i, i) ~= sub(y, i, i) then return i - 1 end
	end
	return 128
end

return { new_ip = new_ip, parse_cidr = parse_cidr, match = match, commonPrefixLength = commonPrefixLength }
