package tlsconf

import (
	"crypto/tls"
	"fmt"
	"net/netip"
	"strings"

	"github.com/moonport/moonport/host/value"
)

// Prosody hands its ssl tables to LuaSec whole, so real configs carry
// LuaSec keys (options, dhparam, curve, …) and even functions. moonport
// uses what Go's TLS can do and warns once, naming the file and line, for
// the rest, instead of refusing the listener.

// usedKeys are the keys moonport reads.
var usedKeys = map[string]bool{
	"certificate": true, "key": true, "protocol": true, "min_protocol": true, "max_protocol": true,
	"disabled_protocols": true, "ciphers": true, "disabled_ciphers": true, "prefer_server_ciphers": true,
	"ignore_client_order": true, "alpn": true, "verify": true, "cafile": true, "capath": true,
	"implicit": true, "options": true, "curve": true, "curveslist": true,
}

// ignoredKeys says why a LuaSec key has no effect here.
var ignoredKeys = map[string]string{
	"dhparam":      "Go offers no finite-field Diffie-Hellman suites; ECDHE is used",
	"password":     "encrypted private keys are not read; store the key unencrypted (openssl pkey -in KEY -out KEY.plain) with mode 0600",
	"verifyext":    "client certificates are verified at the handshake, whatever purpose they name (Prosody's default lsec_ignore_purpose)",
	"depth":        "Go verifies certificate chains of any length",
	"ciphersuites": "TLS 1.3 suites are always Go's",
	"dane":         "DANE is not supported",
	"mode":         "listeners are always TLS servers",
}

// luasecOptions are the LuaSec options moonport acts on (cipher order,
// session tickets, protocol versions) or that Go's TLS always follows
// (no SSLv2/v3, TLS 1.0/1.1, compression or renegotiation; fresh ECDHE keys).
var luasecOptions = map[string]bool{
	"cipher_server_preference": true, "no_ticket": true, "no_tlsv1_2": true, "no_tlsv1_3": true,
	"no_sslv2": true, "no_sslv3": true, "no_tlsv1": true, "no_tlsv1_1": true, "no_compression": true,
	"no_renegotiation": true, "single_dh_use": true, "single_ecdh_use": true, "all": true,
}

// curves are OpenSSL's names of the groups Go offers.
var curves = map[string]tls.CurveID{
	"x25519": tls.X25519, "p-256": tls.CurveP256, "prime256v1": tls.CurveP256, "secp256r1": tls.CurveP256,
	"p-384": tls.CurveP384, "secp384r1": tls.CurveP384, "p-521": tls.CurveP521, "secp521r1": tls.CurveP521,
}

// warn records a warning once per builder: the same table reaches many
// bindings.
func (b *Builder) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if b.warned[msg] {
		return
	}
	b.warned[msg] = true
	b.Warnings = append(b.Warnings, msg)
}

// audit warns about every key of the chain's tables that moonport does
// not use, and every function it cannot call.
func (b *Builder) audit(c chain) {
	for _, l := range c {
		if l.t == nil {
			continue
		}
		for _, k := range l.t.Keys() {
			key, ok := k.(string)
			if !ok || isInterface(key) {
				continue // ssl[5281], ssl["127.0.0.1"]: a table of its own
			}
			b.auditKey(l, key, l.t.Hash[k])
		}
		if o, ok := l.t.Field("options").(*value.Table); ok {
			for name := range optionSet(o) {
				if !luasecOptions[name] {
					b.warn("%s: %s: options.%s is ignored: moonport acts on cipher_server_preference, no_ticket, no_tlsv1_2 and no_tlsv1_3 only", l.where, l.name, name)
				}
			}
		}
	}
}

func (b *Builder) auditKey(l link, key string, v any) {
	if fn, ok := v.(*value.Function); ok {
		switch {
		case key == "alpn" && fn.Call != nil:
		case key == "alpn":
			b.warn("%s: %s: alpn is a function, defined in the config file, whose code runs only while the file is read; it is ignored: write a list, alpn = { \"h2\", \"http/1.1\" }", fn.Where, l.name)
		default:
			b.warn("%s: %s: %s is a function; moonport calls functions only for alpn, so it is ignored", fn.Where, l.name, key)
		}
		return
	}
	if usedKeys[key] {
		return
	}
	why, known := ignoredKeys[key]
	if !known {
		why = "it is not a TLS option moonport knows (see TLS in the README)"
	}
	b.warn("%s: %s: %s is ignored: %s", l.where, l.name, key, why)
}

func isInterface(key string) bool {
	_, err := netip.ParseAddr(key)
	return err == nil || key == "*"
}

// optionSet reads LuaSec options the way Prosody's util.sslconfig merges
// them: list items switch an option on, name = true/false sets it.
func optionSet(t *value.Table) map[string]bool {
	set := map[string]bool{}
	for _, e := range t.Array {
		if s, ok := e.(string); ok {
			set[s] = true
		}
	}
	for k, v := range t.Hash {
		if s, ok := k.(string); ok {
			if on, isBool := v.(bool); isBool {
				set[s] = on
			}
		}
	}
	return set
}

// options merges the options tables along the chain, the most specific
// last so that it wins, as Prosody applies them.
func (c chain) options() map[string]bool {
	merged := map[string]bool{}
	for i := len(c) - 1; i >= 0; i-- {
		if c[i].t == nil {
			continue
		}
		switch o := c[i].t.Field("options").(type) {
		case *value.Table:
			for k, v := range optionSet(o) {
				merged[k] = v
			}
		case string:
			merged[o] = true
		}
	}
	return merged
}

// curvePreferences reads curveslist (a list, or OpenSSL's "X25519:P-256")
// or else curve; unknown names are skipped with a warning. None: Go's.
func (b *Builder) curvePreferences(c chain) []tls.CurveID {
	v, l := c.find("curveslist")
	if v == nil {
		v, l = c.find("curve")
	}
	var names []string
	for _, e := range value.List(v) {
		if s, ok := e.(string); ok {
			names = append(names, strings.Split(s, ":")...)
		}
	}
	var out []tls.CurveID
	for _, n := range names {
		id, ok := curves[strings.ToLower(strings.TrimSpace(n))]
		if !ok {
			b.warn("%s: %s: curve %q is not one Go offers (X25519, P-256, P-384, P-521); skipped", l.where, l.name, n)
			continue
		}
		out = append(out, id)
	}
	return out
}
