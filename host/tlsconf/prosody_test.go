package tlsconf

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moonport/moonport/host/tlsconf/tlstest"
	"github.com/moonport/moonport/host/value"
)

// handshake runs one TLS handshake over loopback TCP and returns the
// client's view and the server's error (or the client's, when the server
// saw none).
func handshake(t *testing.T, server, client *tls.Config) (tls.ConnectionState, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	serverErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			serverErr <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		serverErr <- tls.Server(c, server).Handshake()
	}()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tc := tls.Client(c, client)
	clientErr := tc.Handshake()
	if err := <-serverErr; err != nil {
		return tls.ConnectionState{}, err
	}
	return tc.ConnectionState(), clientErr
}

// TestLuaSecKeysAreUsedOrWarnedOnce: the keys Prosody passes to LuaSec
// are used where Go can (options, curve) and warned about once, with the
// file and line, where it cannot; a function there is no longer an error.
func TestLuaSecKeysAreUsedOrWarnedOnce(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	ca.Server(t, dir, "good")
	cfg := filepath.Join(dir, "prosody.cfg.lua")
	b := NewBuilder(snapshot(t, dir, `ssl = {
	certificate = "good.crt"; key = "good.key";
	dhparam = "dh.pem";
	options = { "no_sslv3", "no_ticket", "no_query_mtu", cipher_server_preference = false };
	curve = "secp384r1";
	verifyext = { "lsec_continue" };
	frobnicate = true;
	password = function() return "secret" end;
	[5223] = { certificate = "good.crt", key = "good.key", depth = 9 };
}
`))
	var l *Listener
	for _, port := range []int{993, 995, 5223} {
		var err error
		if l, err = b.Build(binding("x", "127.0.0.1", port, "ssl"), "x_", nil); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		cfg + ":1: ssl: dhparam is ignored: Go offers no finite-field Diffie-Hellman",
		cfg + ":1: ssl: options.no_query_mtu is ignored",
		cfg + ":1: ssl: verifyext is ignored",
		cfg + ":1: ssl: frobnicate is ignored: it is not a TLS option moonport knows",
		cfg + ":8: ssl: password is a function; moonport calls functions only for alpn",
		cfg + ":1: ssl[5223]: depth is ignored",
	}
	for _, w := range want {
		n := 0
		for _, got := range b.Warnings {
			if strings.HasPrefix(got, w) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d warnings start with %q, want 1:\n%s", n, w, strings.Join(b.Warnings, "\n"))
		}
	}
	if len(b.Warnings) != len(want) {
		t.Errorf("warnings: %d, want %d (no_sslv3, no_ticket, curve and cipher_server_preference are used):\n%s", len(b.Warnings), len(want), strings.Join(b.Warnings, "\n"))
	}
	c := l.Config
	if !c.SessionTicketsDisabled || !slices.Equal(c.CurvePreferences, []tls.CurveID{tls.CurveP384}) || c.GetConfigForClient == nil {
		t.Errorf("options.no_ticket, curve and cipher_server_preference = false not applied: tickets off %v, curves %v, client order %v",
			c.SessionTicketsDisabled, c.CurvePreferences, c.GetConfigForClient != nil)
	}
	st, err := handshake(t, c, &tls.Config{RootCAs: ca.Pool, ServerName: "good", CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP384}})
	if err != nil || st.CurveID != tls.CurveP384 {
		t.Errorf("handshake: %v, group %v, want P-384", err, st.CurveID)
	}
}

func TestLuaSecOptionsChooseProtocolsAndOrder(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	ca.Server(t, dir, "good")
	l, err := NewBuilder(snapshot(t, dir, `x_ssl = { certificate = "good.crt", key = "good.key", options = { no_tlsv1_2 = true }, curveslist = "X25519:P-256:brainpool" }`)).
		Build(binding("x", "127.0.0.1", 993, "ssl"), "x_", nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.Config.MinVersion != tls.VersionTLS13 || !slices.Equal(l.Config.CurvePreferences, []tls.CurveID{tls.X25519, tls.CurveP256}) || l.Config.GetConfigForClient != nil {
		t.Errorf("min %x, curves %v, hook %v", l.Config.MinVersion, l.Config.CurvePreferences, l.Config.GetConfigForClient != nil)
	}
}

// alpnFunc is an alpn function as the bridge hands one over: it records
// what the client offered and answers with protos.
type alpnFunc struct {
	mu      sync.Mutex
	offered [][]any
	answer  []any
	err     error
}

func (f *alpnFunc) fn() *value.Function {
	return &value.Function{Where: "mod_mux.lua:7", Call: func(args ...any) ([]any, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.offered = append(f.offered, value.List(args[0]))
		return f.answer, f.err
	}}
}

func (f *alpnFunc) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.offered)
}

// TestAlpnFunction: a module's ssl_config may give alpn as a function
// (Prosody's mod_net_multiplex does); each handshake asks it with the
// client's protocols, and what it answers is negotiated.
func TestAlpnFunction(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	ca.Server(t, dir, "good")
	f := &alpnFunc{answer: []any{&value.Table{Array: []any{"xmpp-client", "h2"}}}}
	own := &value.Table{Hash: map[any]any{"alpn": f.fn()}, Origin: "mod_mux.lua:5"}
	b := NewBuilder(snapshot(t, dir, `ssl = { certificate = "good.crt", key = "good.key" }`))
	l, err := b.Build(binding("multiplex_ssl", "127.0.0.1", 5001, "ssl"), "ssl", own)
	if err != nil || len(b.Warnings) != 0 {
		t.Fatalf("build: %v %q", err, b.Warnings)
	}
	dial := func(protos ...string) string {
		t.Helper()
		st, err := handshake(t, l.Config, &tls.Config{RootCAs: ca.Pool, ServerName: "good", NextProtos: protos})
		if err != nil {
			t.Fatalf("client offering %v: %v", protos, err)
		}
		return st.NegotiatedProtocol
	}
	if got := dial("http/1.1", "h2"); got != "h2" || f.calls() != 1 || !slices.Equal(f.offered[0], []any{"http/1.1", "h2"}) {
		t.Errorf("negotiated %q, function asked %v; want h2, asked with the client's list", got, f.offered)
	}
	// Nothing in common: no ALPN, as with LuaSec, not a failed handshake.
	if got := dial("imap"); got != "" {
		t.Errorf("no common protocol: negotiated %q", got)
	}
	// A client offering nothing is not asked about.
	before := f.calls()
	if got := dial(); got != "" || f.calls() != before {
		t.Errorf("no ALPN offered: negotiated %q, %d more calls", got, f.calls()-before)
	}
	// The host may add protocols after Build (a multiplexer's); they stay.
	c := l.Config.Clone()
	c.NextProtos = append([]string{"xmpp-server"}, c.NextProtos...)
	l.Config = c
	if got := dial("xmpp-server"); got != "xmpp-server" {
		t.Errorf("protocol the host added: negotiated %q", got)
	}
	// A function that fails (its module logs why) offers nothing.
	f.err = errors.New("mod_mux.lua:8: boom")
	if got := dial("h2"); got != "" {
		t.Errorf("failing function: negotiated %q", got)
	}
}

// TestAlpnFunctionInConfigFile: a config file's function cannot run after
// the file is read, so it is ignored with a warning naming its line.
func TestAlpnFunctionInConfigFile(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	ca.Server(t, dir, "good")
	b := NewBuilder(snapshot(t, dir, "https_ssl = { certificate = \"good.crt\", key = \"good.key\",\n\talpn = function() return { \"h2\" } end }\n"))
	l, err := b.Build(binding("https", "127.0.0.1", 5281, "ssl"), "https_", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "prosody.cfg.lua") + ":2: https_ssl: alpn is a function, defined in the config file"
	if len(b.Warnings) != 1 || !strings.HasPrefix(b.Warnings[0], want) || len(l.Config.NextProtos) != 0 {
		t.Errorf("warnings %q, want one starting %q; protocols %v", b.Warnings, want, l.Config.NextProtos)
	}
}

// TestVerifyPeer: verify = "peer" asks for a client certificate and
// accepts a client without one; one that is given must chain to cafile,
// capath or the system's store, whatever its purpose (Prosody's
// lsec_ignore_purpose: s2s peers present server certificates).
// fail_if_no_peer_cert requires one.
func TestVerifyPeer(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	ca.Server(t, dir, "good")
	cas := filepath.Join(dir, "cas")
	os.Mkdir(cas, 0o755)
	pem, _ := os.ReadFile(ca.CertFile)
	os.WriteFile(filepath.Join(cas, "0a1b2c3d.0"), pem, 0o644)
	os.WriteFile(filepath.Join(cas, "README"), []byte("not a certificate\n"), 0o644)
	clientCert := func(c *tlstest.CA, folder, name string, client bool) tls.Certificate {
		crt, key := c.Issue(t, folder, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), client, name)
		pair, err := tls.LoadX509KeyPair(crt, key)
		if err != nil {
			t.Fatal(err)
		}
		return pair
	}
	asClient := clientCert(ca, filepath.Join(dir, "c"), "client.example", true)
	asServer := clientCert(ca, filepath.Join(dir, "c"), "peer.example", false)
	stranger := clientCert(tlstest.NewCA(t, t.TempDir()), filepath.Join(dir, "s"), "stranger.example", true)

	build := func(ssl string) *tls.Config {
		t.Helper()
		l, err := NewBuilder(snapshot(t, dir, `x_ssl = { certificate = "good.crt", key = "good.key"; `+ssl+` }`)).
			Build(binding("x", "127.0.0.1", 5269, "starttls"), "x_", nil)
		if err != nil {
			t.Fatalf("%s: %v", ssl, err)
		}
		return l.Config
	}
	try := func(server *tls.Config, certs ...tls.Certificate) error {
		_, err := handshake(t, server, &tls.Config{RootCAs: ca.Pool, ServerName: "good", Certificates: certs})
		return err
	}
	peer := build(`verify = { "peer", "client_once" }, capath = "cas"`)
	if err := try(peer); err != nil {
		t.Errorf("verify peer, no client certificate: %v; want accepted", err)
	}
	if err := try(peer, asClient); err != nil {
		t.Errorf("verify peer, client certificate from capath's CA: %v", err)
	}
	if err := try(peer, asServer); err != nil {
		t.Errorf("verify peer, a server certificate as client certificate: %v; want accepted (purpose ignored)", err)
	}
	if err := try(peer, stranger); err == nil || !strings.Contains(err.Error(), "client certificate") {
		t.Errorf("verify peer, certificate from an unknown CA: %v; want refused", err)
	}
	required := build(`verify = { "peer", "fail_if_no_peer_cert" }, cafile = "ca.crt"`)
	if err := try(required); err == nil {
		t.Error("fail_if_no_peer_cert without a client certificate: accepted")
	}
	if err := try(required, asClient); err != nil {
		t.Errorf("fail_if_no_peer_cert with one: %v", err)
	}
	// No cafile, no capath: the system's store, as Prosody's default
	// capath /etc/ssl/certs; a client without a certificate still gets in.
	system := build(`verify = "peer"`)
	if system.ClientAuth != tls.RequestClientCert || system.ClientCAs != nil {
		t.Errorf("system store: client auth %v, CA names sent %v", system.ClientAuth, system.ClientCAs != nil)
	}
	if err := try(system); err != nil {
		t.Errorf("system store, no client certificate: %v", err)
	}
	if err := try(system, stranger); err == nil {
		t.Error("system store: a certificate of a CA it does not hold was accepted")
	}
}
