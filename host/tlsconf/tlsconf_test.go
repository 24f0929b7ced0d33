package tlsconf

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/config/luaconfig"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/tlsconf/tlstest"
	"github.com/moonport/moonport/host/value"
)

func snapshot(t *testing.T, dir, src string) *config.Snapshot {
	t.Helper()
	p := filepath.Join(dir, "prosody.cfg.lua")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := luaconfig.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// binding is a listener of service whose module declares encryption = word.
func binding(service, addr string, port int, word string) ports.Binding {
	enc, _ := ports.ParseEncryption(word)
	return ports.Binding{Service: service, Listener: service, Network: "tcp4", Address: netip.MustParseAddr(addr), Port: port, Encryption: enc}
}

func cn(t *testing.T, l *Listener) string {
	t.Helper()
	if l == nil || l.Config == nil || len(l.Config.Certificates) == 0 {
		t.Fatal("no certificate")
	}
	return l.Config.Certificates[0].Leaf.Subject.CommonName
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	for _, n := range []string{"global", "iface", "port", "service", "own", "gport"} {
		ca.Server(t, dir, n)
	}
	snap := snapshot(t, dir, `
ssl = { certificate = "global.crt", key = "global.key", [6000] = { certificate = "gport.crt", key = "gport.key" } }
https_ssl = {
	certificate = "service.crt"; key = "service.key";
	["127.0.0.1"] = { certificate = "iface.crt", key = "iface.key" };
	[5285] = { certificate = "port.crt", key = "port.key" };
}
`)
	own := &value.Table{Hash: map[any]any{"certificate": "own.crt", "key": "own.key"}}
	cases := []struct {
		b    ports.Binding
		own  *value.Table
		want string
	}{
		{binding("https", "127.0.0.1", 5285, "ssl"), nil, "iface"},   // N_ssl[interface] beats N_ssl[port]
		{binding("https", "127.0.0.2", 5285, "ssl"), nil, "port"},    // then N_ssl[port]
		{binding("https", "127.0.0.2", 5281, "ssl"), own, "service"}, // then N_ssl, before the module's own
		{binding("legacy", "127.0.0.2", 5223, "ssl"), own, "global"}, // no N_ssl: ssl stands in for it
		{binding("legacy", "127.0.0.2", 6000, "ssl"), nil, "gport"},  // ssl stands in for N_ssl, so ssl[port] comes first
	}
	for i, c := range cases {
		l, err := NewBuilder(snap).Build(c.b, c.b.Service+"_", c.own)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if got := cn(t, l); got != c.want {
			t.Errorf("case %d (%s): certificate %s, want %s", i, c.b.AddrPort(), got, c.want)
		}
	}
	// The module's own defaults apply when neither N_ssl nor ssl has a certificate.
	snap2 := snapshot(t, dir, `ssl = { protocol = "tlsv1_2+" }`)
	l, err := NewBuilder(snap2).Build(binding("x", "127.0.0.1", 1, "ssl"), "x_", own)
	if err != nil || cn(t, l) != "own" {
		t.Fatalf("own defaults: %v", err)
	}
	// A named listener's tls table beats everything.
	b := binding("https", "127.0.0.1", 5285, "ssl")
	b.TLS = &value.Table{Hash: map[any]any{"certificate": "gport.crt", "key": "gport.key"}}
	if l, err := NewBuilder(snap).Build(b, "https_", nil); err != nil || cn(t, l) != "gport" {
		t.Fatalf("listener tls table: %v", err)
	}
}

func TestCertificatesFolderAndHosts(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	certs := filepath.Join(dir, "certs")
	ca.Server(t, certs, "https")
	// Let's Encrypt layout for one host, a per-host ssl option for another.
	c, k := ca.Server(t, filepath.Join(certs, "tmp"), "a.example")
	os.MkdirAll(filepath.Join(certs, "a.example"), 0o755)
	os.Rename(c, filepath.Join(certs, "a.example", "fullchain.pem"))
	os.Rename(k, filepath.Join(certs, "a.example", "privkey.pem"))
	ca.Server(t, filepath.Join(dir, "elsewhere"), "b.example")
	snap := snapshot(t, dir, `
VirtualHost "a.example"
VirtualHost "b.example"
	ssl = { certificate = "elsewhere/b.example.crt", key = "elsewhere/b.example.key" }
VirtualHost "c.example"
`)
	l, err := NewBuilder(snap).Build(binding("https", "127.0.0.1", 5281, "ssl"), "https_", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range l.Config.Certificates {
		got = append(got, c.Leaf.Subject.CommonName)
	}
	if strings.Join(got, ",") != "https,a.example,b.example" {
		t.Fatalf("certificates = %v, want the service's first, then each host's", got)
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	ca.Server(t, dir, "good")
	ca.Server(t, dir, "other")
	ca.Issue(t, dir, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour), false, "expired")
	ca.Issue(t, dir, time.Now().Add(24*time.Hour), time.Now().Add(48*time.Hour), false, "future")
	os.Mkdir(filepath.Join(dir, "empty"), 0o755)
	os.WriteFile(filepath.Join(dir, "empty", "README"), []byte("no certificates here\n"), 0o644)
	cases := []struct {
		cfg, enc, file, want string
	}{
		{`x_ssl = { certificate = "missing.crt", key = "good.key" }`, "ssl", "missing.crt", "cannot read certificate: no such file or directory"},
		{`x_ssl = { certificate = "good.crt", key = "missing.key" }`, "ssl", "missing.key", "cannot read key"},
		{`x_ssl = { certificate = "good.crt", key = "other.key" }`, "ssl", "other.key", "the key does not match certificate"},
		{`x_ssl = { certificate = "expired.crt", key = "expired.key" }`, "ssl", "expired.crt", "certificate expired on"},
		{`x_ssl = { certificate = "future.crt", key = "future.key" }`, "ssl", "future.crt", "not valid until"},
		{`x_ssl = { certificate = "good.crt" }`, "ssl", "good.crt", "a certificate needs a key"},
		{``, "ssl", "", "no certificate: set x_ssl"},
		{`x_ssl = { certificate = "good.crt", key = "good.key", protocol = "tlsv1_1+" }`, "ssl", "", "older than TLS 1.2"},
		{`x_ssl = { certificate = "good.crt", key = "good.key", protocol = "tls9" }`, "ssl", "", `protocol = "tls9"`},
		{`x_ssl = { certificate = "good.crt", key = "good.key", ciphers = { "NOPE" } }`, "ssl", "", `unknown cipher suite "NOPE"`},
		{`x_ssl = { certificate = "good.crt", key = "good.key", verify = "peer", capath = "nowhere" }`, "ssl", "", "capath " + filepath.Join(dir, "nowhere")},
		{`x_ssl = { certificate = "good.crt", key = "good.key", verify = "peer", capath = "empty" }`, "ssl", "", "no PEM certificate in any of its files"},
		{`x_ssl = { certificate = "good.crt", key = "good.key", verify = { "peer", "sometimes" } }`, "ssl", "", `unknown flag "sometimes"`},
		{`x_ssl = { certificate = "good.crt", key = "good.key", min_protocol = "tlsv1_3", max_protocol = "tlsv1_2" }`, "ssl", "", "no TLS version left"},
		{`x_ssl = "good.crt"`, "ssl", "", `prosody.cfg.lua:1: x_ssl = "good.crt": expected a table such as { certificate = "…", key = "…" }, not a string`},
		{`ssl = true`, "starttls", "", `prosody.cfg.lua:1: ssl = true: expected a table such as { certificate = "…", key = "…" }, not true or false`},
	}
	for _, c := range cases {
		_, err := NewBuilder(snapshot(t, dir, c.cfg)).Build(binding("x", "127.0.0.1", 993, c.enc), "x_", nil)
		var te *Error
		if !errors.As(err, &te) {
			t.Errorf("%s: error %v, want *tlsconf.Error", c.cfg, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "listener x (127.0.0.1:993)") {
			t.Errorf("%s: error %q, want it to name the listener and say %q", c.cfg, err, c.want)
		}
		if c.file != "" && te.File != filepath.Join(dir, c.file) {
			t.Errorf("%s: file %q, want %q", c.cfg, te.File, c.file)
		}
	}
}

func TestWarnings(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	_, key := ca.Server(t, dir, "open")
	os.Chmod(key, 0o644)
	b := NewBuilder(snapshot(t, dir, `x_ssl = { certificate = "open.crt", key = "open.key", ciphers = "HIGH+kEECDH:!aNULL" }`))
	if _, err := b.Build(binding("x", "127.0.0.1", 993, "ssl"), "x_", nil); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(b.Warnings, "\n")
	for _, want := range []string{"readable by group or others (mode 0644)", "chmod 600", "OpenSSL selection string"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
	// STARTTLS without a certificate: a warning, and no TLS offered.
	b = NewBuilder(snapshot(t, t.TempDir(), ``))
	l, err := b.Build(binding("smtp", "127.0.0.1", 25, "starttls"), "smtp_", nil)
	if err != nil || l.Config != nil || len(b.Warnings) != 1 || !strings.Contains(b.Warnings[0], "STARTTLS is not offered") {
		t.Fatalf("starttls without a certificate: %v %+v %q", err, l, b.Warnings)
	}
}

func TestPolicy(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	ca.Server(t, dir, "good")
	build := func(extra string) *tls.Config {
		t.Helper()
		l, err := NewBuilder(snapshot(t, dir, fmt.Sprintf(`x_ssl = { certificate = "good.crt", key = "good.key"; %s }`, extra))).Build(binding("x", "127.0.0.1", 993, "ssl"), "x_", nil)
		if err != nil {
			t.Fatal(err)
		}
		return l.Config
	}
	if c := build(``); c.MinVersion != tls.VersionTLS12 || c.MaxVersion != tls.VersionTLS13 || c.ClientAuth != tls.NoClientCert {
		t.Errorf("defaults: %+v", c)
	}
	if c := build(`protocol = "tlsv1_3"`); c.MinVersion != tls.VersionTLS13 || c.MaxVersion != tls.VersionTLS13 {
		t.Errorf("tlsv1_3: %x-%x", c.MinVersion, c.MaxVersion)
	}
	if c := build(`disabled_protocols = { "tlsv1_2" }`); c.MinVersion != tls.VersionTLS13 {
		t.Errorf("disabled tlsv1_2: min %x", c.MinVersion)
	}
	c := build(`ciphers = { "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" }; alpn = { "h2", "smtp" }`)
	if len(c.CipherSuites) != 2 || c.CipherSuites[0] != tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 || strings.Join(c.NextProtos, ",") != "h2,smtp" {
		t.Errorf("ciphers/alpn: %v %v", c.CipherSuites, c.NextProtos)
	}
	for _, s := range build(`disabled_ciphers = { "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" }`).CipherSuites {
		if s == tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 {
			t.Error("disabled cipher still offered")
		}
	}
	if c := build(fmt.Sprintf(`verify = { "peer", "fail_if_no_peer_cert" }; cafile = %q`, ca.CertFile)); c.ClientAuth != tls.RequireAnyClientCert || c.ClientCAs == nil || c.VerifyPeerCertificate == nil {
		t.Errorf("verify: %v", c.ClientAuth)
	}
	if c := build(`prefer_server_ciphers = false`); c.GetConfigForClient == nil {
		t.Error("client order needs GetConfigForClient")
	}
	if got := opensslName("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"); got != "ECDHE-RSA-AES256-GCM-SHA384" {
		t.Errorf("opensslName = %s", got)
	}
}
