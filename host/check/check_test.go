package check

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/config/luaconfig"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/tlsconf"
	"github.com/moonport/moonport/host/tlsconf/tlstest"
)

func binding(port int) ports.Binding {
	return ports.Binding{Service: "svc", Listener: "svc", Network: "tcp4", Address: netip.MustParseAddr("127.0.0.1"), Port: port}
}

func only(t *testing.T, r Results, level Level, want string) {
	t.Helper()
	if len(r) != 1 || r[0].Level != level || !strings.Contains(r[0].Message, want) {
		t.Fatalf("results %+v, want one %s containing %q", r, level, want)
	}
}

func TestPorts(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	busy := l.Addr().(*net.TCPAddr).Port
	l.Close()
	free := busy // now free again
	root := Privilege{Root: true, UnprivilegedMin: 1024}
	only(t, Ports(&ports.BindPlan{Bindings: []ports.Binding{binding(free)}}, root, nil), Pass, "is free")

	l, _ = net.Listen("tcp4", "127.0.0.1:0")
	defer l.Close()
	busy = l.Addr().(*net.TCPAddr).Port
	only(t, Ports(&ports.BindPlan{Bindings: []ports.Binding{binding(busy)}}, root, nil), Fail, "in use by another program")
	only(t, Ports(&ports.BindPlan{Bindings: []ports.Binding{binding(busy)}}, root, func(ports.Binding) bool { return true }), Pass, "served by the running moonport")

	user := Privilege{UnprivilegedMin: 1024}
	only(t, Ports(&ports.BindPlan{Bindings: []ports.Binding{binding(25)}}, user, nil), Fail, "port 25 is privileged")
	only(t, Ports(&ports.BindPlan{Bindings: []ports.Binding{binding(free)}}, user, nil), Pass, "is free")
}

func TestCerts(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	crt, key := ca.Issue(t, dir, time.Now().Add(-time.Hour), time.Now().Add(60*24*time.Hour), false, "a.example")
	soon, soonKey := ca.Issue(t, dir, time.Now().Add(-time.Hour), time.Now().Add(48*time.Hour), false, "soon.example")
	build := func(crt, key string) (*ports.BindPlan, map[string]*tlsconf.Listener) {
		p := filepath.Join(dir, "prosody.cfg.lua")
		os.WriteFile(p, []byte("svc_ssl = { certificate = \""+crt+"\", key = \""+key+"\" }\n"), 0o644)
		snap, err := luaconfig.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		b := binding(993)
		b.Encryption = ports.DirectTLS
		l, err := tlsconf.NewBuilder(snap).Build(b, "svc_", nil)
		if err != nil {
			t.Fatal(err)
		}
		return &ports.BindPlan{Bindings: []ports.Binding{b}}, map[string]*tlsconf.Listener{b.Key(): l}
	}
	plan, ls := build(crt, key)
	only(t, Certs(plan, nil, ls, []string{"a.example"}, time.Now()), Pass, "valid until")
	r := Certs(plan, nil, ls, []string{"a.example", "b.example"}, time.Now())
	if r.Worst() != Warn || !strings.Contains(r[len(r)-1].Message, "no certificate covers host b.example") {
		t.Errorf("uncovered host: %+v", r)
	}
	plan, ls = build(soon, soonKey)
	only(t, Certs(plan, nil, ls, nil, time.Now()), Warn, "renew it")
	r = Certs(&ports.BindPlan{}, []error{&tlsconf.Error{Listener: "x", File: "/k", Err: os.ErrNotExist}}, nil, nil, time.Now())
	if r.Worst() != Fail {
		t.Errorf("a TLS error must fail: %+v", r)
	}
}

func TestPerms(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("x"), mode)
		os.Chmod(p, mode)
		return p
	}
	only(t, Perms([]File{{mk("ok.cfg.lua", 0o640), Config}}), Pass, "mode 0640")
	only(t, Perms([]File{{mk("open.cfg.lua", 0o644), Config}}), Warn, "readable by everyone")
	only(t, Perms([]File{{mk("w.cfg.lua", 0o646), Config}}), Fail, "writable by everyone")
	only(t, Perms([]File{{mk("key.pem", 0o640), Secret}}), Fail, "chmod 600")
	only(t, Perms([]File{{mk("cookie", 0o600), Secret}}), Pass, "mode 0600")
	if r := Perms([]File{{filepath.Join(dir, "not-yet.log"), Log}}); len(r) != 0 {
		t.Errorf("a log not written yet is fine: %+v", r)
	}
}

func TestFirewall(t *testing.T) {
	pub := binding(443)
	pub.Address = netip.MustParseAddr("0.0.0.0")
	rows := Firewall(&ports.BindPlan{Bindings: []ports.Binding{binding(5582), pub}})
	if len(rows) != 3 || rows[1][0] != "443/tcp" || !strings.HasPrefix(rows[1][4], "public") || !strings.HasPrefix(rows[2][4], "local only") {
		t.Errorf("firewall rows: %q", rows)
	}
}
