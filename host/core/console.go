package core

import (
	"fmt"
	"os"

	"github.com/moonport/moonport/host/admin"
	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/status"
	"github.com/moonport/moonport/host/value"
)

// ConsoleAccess is what the config says about who may use the console,
// for the host and for `moonport shell`.
func ConsoleAccess(snap *config.Snapshot) admin.Access {
	o := snap.Options
	return admin.Access{Auth: o.ConsoleAuth, Password: o.ConsolePassword,
		CookieFile: admin.CookiePath(snap.Path, o.ConsoleCookieFile, o.DataPath, os.Getenv(admin.StateEnv))}
}

// guardConsole keeps the console off addresses other machines reach when
// it would take their commands without a password (admin's
// Access.RemoteProblem): those bindings leave the plan as problems, so
// the console stays closed there (the rest serve), `check config` reports
// them, and a reload that would open one is refused.
func (g *generation) guardConsole() {
	why, option := ConsoleAccess(g.snap).RemoteProblem()
	if why == "" {
		return
	}
	loc := config.Location{File: g.snap.Path}
	if o, ok := g.snap.Get("*", option); ok {
		loc = o.Location
	}
	kept := g.plan.Bindings[:0]
	for _, b := range g.plan.Bindings {
		if b.Service != admin.Service || !b.Public() {
			kept = append(kept, b)
			continue
		}
		g.plan.Problems = append(g.plan.Problems, ports.Problem{Location: loc,
			Message: fmt.Sprintf("console on %s (listener %s) is reachable from other machines and stays closed: %s", b.AddrPort(), b.Listener, why)})
	}
	g.plan.Bindings = kept
}

// consoleCalls hands the console module's calls to host/admin and its
// answers (admin.Row, admin.Rows) to Lua as tables.
type consoleCalls struct{ *admin.Admin }

// newConsole is the console backend of h.
func newConsole(h *Host) consoleCalls { return consoleCalls{admin.New(adminHost{h}, h.Log)} }

// Call runs one console request.
func (c consoleCalls) Call(name string, args []any) (any, error) {
	res, err := c.Admin.Call(name, args)
	return luaValue(res), err
}

// luaValue turns an admin answer into values the bridge copies to Lua.
func luaValue(v any) any {
	switch x := v.(type) {
	case admin.Row:
		t := &value.Table{Hash: make(map[any]any, len(x))}
		for k, e := range x {
			t.Hash[k] = luaValue(e)
		}
		return t
	case admin.Rows:
		t := &value.Table{Array: make([]any, len(x))}
		for i, r := range x {
			t.Array[i] = luaValue(r)
		}
		return t
	}
	return v
}

// redact keeps a generation's secrets (passwords, tokens, the console
// cookie) out of its log lines.
func (h *Host) redact(g *generation) {
	var list []string
	for name, o := range g.snap.Global.Options {
		secrets(o.Value, name, &list)
	}
	for _, sec := range g.snap.Hosts() {
		for name, o := range sec.Options {
			secrets(o.Value, name, &list)
		}
	}
	if cookie, err := admin.ReadCookie(ConsoleAccess(g.snap).CookieFile); err == nil {
		list = append(list, cookie)
	}
	g.sinks.Redact(list)
}

// secrets lists every secret value in a config, for log redaction.
func secrets(v any, name string, out *[]string) {
	switch x := v.(type) {
	case string:
		if admin.IsSecret(name) {
			*out = append(*out, x)
		}
	case *value.Table:
		for k, e := range x.Hash {
			ks, _ := k.(string)
			secrets(e, ks, out)
		}
	}
}

// redacted is v with the values of secret fields replaced, for showing.
func redacted(name string, v any) any {
	if admin.IsSecret(name) && v != nil {
		return "[redacted]"
	}
	if t, ok := v.(*value.Table); ok {
		out := &value.Table{Array: t.Array, Hash: map[any]any{}}
		for k, e := range t.Hash {
			ks, _ := k.(string)
			out.Hash[k] = redacted(ks, e)
		}
		return out
	}
	return v
}

// adminHost is the running server as the console sees it (admin.Host).
type adminHost struct{ h *Host }

var _ admin.Host = adminHost{}

func (c adminHost) Status() status.Snapshot { return c.h.Status() }

func (c adminHost) Conns() []admin.Conn {
	var out []admin.Conn
	for _, conn := range c.h.Server.Conns() {
		ac := admin.Conn{ID: conn.ID, Service: conn.Serving(), Listener: conn.Listener, Started: conn.Started}
		if st, ok := conn.TLSState(); ok {
			ac.TLS = st.Version
		}
		ac.In, ac.Out = conn.Bytes()
		if conn.RemoteAddr() != nil {
			ac.Peer = conn.RemoteAddr().String()
		}
		out = append(out, ac)
	}
	return out
}

func (c adminHost) CloseConn(id uint64) bool {
	for _, conn := range c.h.Server.Conns() {
		if conn.ID == id {
			conn.Close()
			return true
		}
	}
	return false
}

func (c adminHost) ClosePort(port int, iface string) int {
	return c.h.Pool.CloseWhere(func(b ports.Binding) bool {
		return b.Port == port && (iface == "" || b.Address.String() == iface)
	})
}

func (c adminHost) Multiplexers() []admin.Multiplexer {
	var out []admin.Multiplexer
	for _, s := range c.h.Runtime.Services() {
		if m := s.Multiplex; m != nil {
			out = append(out, admin.Multiplexer{Name: s.Name, Pattern: m.Field("pattern"), Protocol: m.Field("protocol"), SNI: m.Field("sni")})
		}
	}
	return out
}

func (c adminHost) ConfigOption(host, name string) string {
	o, ok := c.h.Config().Get(host, name)
	if !ok {
		return "nil"
	}
	return value.Format(redacted(name, o.Value))
}

func (c adminHost) Override(op, module, host string) func() {
	return c.h.Runtime.Override(op, module, host)
}

func (c adminHost) Reload(why string) error { return c.h.Reload(why) }

func (c adminHost) SetLogLevel(level string) error {
	return c.h.current().sinks.SetLevel(c.h.Log, level)
}

func (c adminHost) ReopenLogs() error { return c.h.ReopenLogs() }

func (c adminHost) RequestShutdown(reason string) { c.h.requestShutdown(reason) }

func (c adminHost) Upgrade() error { return c.h.Upgrade() }

func (c adminHost) Access() admin.Access { return ConsoleAccess(c.h.Config()) }

func (c adminHost) HideSecrets() { c.h.redact(c.h.current()) }

// Stores lists the stores holding data (the console's storage:stores).
func (c adminHost) Stores(host string) ([]admin.Store, error) {
	list, err := c.h.Runtime.Stores(host)
	out := make([]admin.Store, len(list))
	for i, s := range list {
		driver := s.Driver.String()
		if s.Driver == 0 {
			driver = "given"
		}
		out[i] = admin.Store{Host: s.Host, Name: s.Name, Driver: driver, Kind: s.Kind.String(), Users: s.Users}
	}
	return out, err
}
