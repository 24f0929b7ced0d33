package bridge

import "testing"

var utilIPSnippets = map[string]string{
	"fields": `
local ip = require "util.ip"
for _, text in ipairs { "127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.9.9", "100.64.1.1", "8.8.8.8",
		"169.254.3.4", "::1", "fe80::1%eth0", "fec0::5", "ff05::2", "2001:db8::1", "2002::1", "fc00::7",
		"::ffff:10.0.0.1", "3ffe::9", "1.2.3.4.5", "nonsense", "::" } do
	local a, err = ip.new_ip(text)
	if a then
		print(text, tostring(a), a.proto, a.zone, a.normal, a.scope, a.private, a.label, a.precedence,
			#a.bits, a.bits_full:sub(81, 128), a.toV4mapped and tostring(a.toV4mapped))
	else
		print(text, a, err)
	end
end
print(ip.new_ip("::1", "IPv4"), ip.new_ip("1.2.3.4", "IPv6"), ip.new_ip("1.2.3.4", "IPX"))
`,
	"match": `
local ip = require "util.ip"
local function m(a, cidr)
	local net, bits = ip.parse_cidr(cidr)
	return tostring(ip.match(ip.new_ip(a), net, bits))
end
print(m("10.1.2.3", "10.0.0.0/8"), m("11.1.2.3", "10.0.0.0/8"), m("192.168.1.7", "192.168.1.0/24"),
	m("192.168.2.7", "192.168.1.0/24"), m("1.2.3.4", "1.2.3.4"), m("1.2.3.5", "1.2.3.4"), m("1.2.3.5", "0.0.0.0/0"))
print(m("2001:db8::1", "2001:db8::/32"), m("2001:db9::1", "2001:db8::/32"), m("::ffff:10.0.0.1", "10.0.0.0/8"),
	m("10.0.0.1", "::ffff:10.0.0.0/104"), m("::1", "::1/128"), m("127.0.0.1", "127.0.0.1/32"))
print(ip.commonPrefixLength(ip.new_ip("10.0.0.1"), ip.new_ip("10.0.0.3")), ip.commonPrefixLength(ip.new_ip("::1"), ip.new_ip("::1")))
print(ip.new_ip("1.2.3.4") == ip.new_ip("1.2.3.4"), ip.new_ip("1.2.3.4") == ip.new_ip("::ffff:1.2.3.4"))
`,
	"net": `
local net = require "util.net"
print(net.pton("1.2.3.4"):byte(1, -1))
print(#net.pton("::1"), net.ntop(net.pton("2001:db8:0:0:1::1")), net.ntop("abcd"), net.ntop("abc"))
print(net.pton("1.2.3") == nil, net.pton("fe80::1%eth0") == nil)
`,
}

// util.ip (and util.net's pton/ntop) against Prosody's: the fields of
// many kinds of address, CIDR matching across families, prefix lengths.
func TestUtilIP(t *testing.T) {
	sameAsProsody(t, utilIPSnippets, nil)
}
