package core

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/lua/luaval"
)

// Version is the moonport version, set by main.
var Version = "dev"

// secretName matches option names whose values must never be shown.
var secretName = regexp.MustCompile(`(?i)password|secret|cookie|token|passphrase`)

// admin answers the console module's questions (require "moonport.admin").
type admin struct {
	h        *Host
	started  time.Time
	mu       sync.Mutex
	failures map[string]int // console authentication failures by address
}

func row(kv ...any) *luaval.Table {
	t := &luaval.Table{Hash: map[any]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		t.Hash[kv[i]] = kv[i+1]
	}
	return t
}

func list(rows []*luaval.Table) *luaval.Table {
	t := &luaval.Table{}
	for _, r := range rows {
		t.Array = append(t.Array, r)
	}
	return t
}

func str(args []any, i int) string {
	if i < len(args) {
		if s, ok := args[i].(string); ok {
			return s
		}
		if f, ok := args[i].(float64); ok {
			return fmt.Sprint(f)
		}
	}
	return ""
}

// Call runs one admin request.
func (a *admin) Call(name string, args []any) (any, error) {
	h := a.h
	switch name {
	case "version":
		return Version, nil
	case "uptime":
		return time.Since(a.started).Seconds(), nil
	case "memory":
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return row("heap", float64(ms.HeapAlloc), "sys", float64(ms.Sys), "goroutines", float64(runtime.NumGoroutine()),
			"connections", float64(h.Server.Count())), nil
	case "shutdown":
		h.requestShutdown(str(args, 0))
		return "shutting down", nil
	case "upgrade":
		if err := h.Upgrade(); err != nil {
			return nil, err
		}
		return "the new process is ready; this one finishes its connections and exits", nil
	case "ports":
		return a.ports(), nil
	case "close_port":
		port, _ := args[0].(float64)
		iface := str(args, 1)
		n := h.Pool.CloseWhere(func(b ports.Binding) bool {
			return b.Port == int(port) && (iface == "" || b.Address.String() == iface)
		})
		if n == 0 {
			return nil, fmt.Errorf("nothing listens on port %v%s", port, map[bool]string{true: "", false: " on " + iface}[iface == ""])
		}
		return float64(n), nil
	case "modules":
		return a.modules(""), nil
	case "module_info":
		rows := a.modules(str(args, 0))
		if len(rows.Array) == 0 {
			return nil, fmt.Errorf("module '%s' is not loaded", str(args, 0))
		}
		return rows, nil
	case "module_load", "module_unload", "module_reload":
		return nil, a.moduleOp(strings.TrimPrefix(name, "module_"), str(args, 0), str(args, 1))
	case "config_get":
		return a.configGet(str(args, 0), str(args, 1)), nil
	case "reload":
		return nil, h.Reload("console")
	case "reload_status":
		st := h.ReloadStatus()
		last := ""
		if !st.Last.IsZero() {
			last = st.Last.UTC().Format(time.RFC3339)
		}
		return row("count", float64(st.Count), "failures", float64(st.Failures), "last", last, "error", st.LastError), nil
	case "conns":
		return a.conns(str(args, 0)), nil
	case "close_conn":
		id, _ := args[0].(float64)
		for _, c := range h.Server.Conns() {
			if c.ID == uint64(id) {
				c.Close()
				return true, nil
			}
		}
		return nil, fmt.Errorf("no connection %v", id)
	case "stats":
		return a.stats(), nil
	case "multiplex_services":
		var rows []*luaval.Table
		for _, s := range h.Runtime.Services() {
			if s.Multiplex != nil {
				rows = append(rows, row("name", s.Name, "pattern", s.Multiplex.Field("pattern"), "protocol", s.Multiplex.Field("protocol"),
					"sni", s.Multiplex.Field("sni")))
			}
		}
		return list(rows), nil
	case "log_level":
		return nil, h.current().sinks.SetLevel(h.Log, str(args, 0))
	case "console_secret":
		return a.consoleSecret(str(args, 0))
	case "auth_failed":
		return a.authFailed(str(args, 0)), nil
	}
	return nil, fmt.Errorf("unknown admin call %q", name)
}

// moduleOp runs the console's module:load, module:unload and
// module:reload as a reload. A load or unload whose reload fails is taken
// back, so later reloads do not fail for it; reloading a module that is
// not loaded is an error naming it.
func (a *admin) moduleOp(op, module, host string) error {
	if host == "" {
		host = "*"
	}
	if op == "reload" {
		if err := a.loaded(module, host); err != nil {
			return err
		}
	}
	undo := a.h.Runtime.Override(op, module, host)
	err := a.h.Reload("console module:" + op + "(" + module + ")")
	if err != nil && op != "reload" {
		undo()
	}
	return err
}

// loaded says whether module runs on host, and where it does if not there.
func (a *admin) loaded(module, host string) error {
	var elsewhere []string
	for _, inst := range a.h.Runtime.Primaries() {
		if inst.Name != module {
			continue
		}
		if inst.Host == host {
			return nil
		}
		elsewhere = append(elsewhere, inst.Host)
	}
	if len(elsewhere) > 0 {
		return fmt.Errorf("module '%s' is not loaded on %s (it is on %s: name the host, module:reload(%q, %q))",
			module, host, strings.Join(elsewhere, ", "), module, elsewhere[0])
	}
	return fmt.Errorf("module '%s' is not loaded; module:list() shows what is", module)
}

func (a *admin) ports() *luaval.Table {
	var rows []*luaval.Table
	for _, l := range a.h.Pool.Listeners() {
		b := l.Binding
		enc := map[string]string{"ssl": "direct TLS", "starttls": "STARTTLS", "": "none"}[b.Encryption]
		reach := "local"
		if b.Public() {
			reach = "public"
		}
		rows = append(rows, row("service", b.Service, "listener", b.Listener, "address", b.Address.String(), "port", float64(b.Port),
			"encryption", enc, "reach", reach, "open", float64(l.Stats.Open.Load()), "accepted", float64(l.Stats.Accepted.Load())))
	}
	return list(rows)
}

func (a *admin) modules(only string) *luaval.Table {
	conns := map[string]int{}
	for _, c := range a.h.Server.Conns() {
		conns[c.Serving()]++
	}
	var rows []*luaval.Table
	for _, inst := range a.h.Runtime.Primaries() {
		if only != "" && inst.Name != only {
			continue
		}
		var names []string
		n := 0
		for _, s := range inst.Services() {
			names = append(names, s.Name)
			n += conns[s.Name]
		}
		rows = append(rows, row("name", inst.Name, "host", inst.Host, "file", inst.Path, "services", strings.Join(names, ","),
			"copies", float64(1+len(inst.Copies())), "connections", float64(n)))
	}
	return list(rows)
}

// configGet shows an option the way it is written in the config, with
// secrets (passwords, cookies, tokens) redacted.
func (a *admin) configGet(host, key string) string {
	if host == "" {
		host = "*"
	}
	o, ok := a.h.Config().Get(host, key)
	if !ok {
		return "nil"
	}
	return luaval.Format(redact(key, o.Value))
}

func redact(key string, v any) any {
	if secretName.MatchString(key) && v != nil {
		return "[redacted]"
	}
	if t, ok := v.(*luaval.Table); ok {
		out := &luaval.Table{Array: t.Array, Hash: map[any]any{}}
		for k, e := range t.Hash {
			ks, _ := k.(string)
			out.Hash[k] = redact(ks, e)
		}
		return out
	}
	return v
}

// secrets lists every secret value in a config, for log redaction.
func secrets(v any, name string, out *[]string) {
	switch x := v.(type) {
	case string:
		if secretName.MatchString(name) {
			*out = append(*out, x)
		}
	case *luaval.Table:
		for k, e := range x.Hash {
			ks, _ := k.(string)
			secrets(e, ks, out)
		}
	}
}

func (a *admin) conns(service string) *luaval.Table {
	cs := a.h.Server.Conns()
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	var rows []*luaval.Table
	for _, c := range cs {
		serving := c.Serving() // a multiplexed HTTP connection shows as HTTP
		if service != "" && serving != service {
			continue
		}
		tlsState := "no"
		if st, ok := c.TLSState(); ok {
			tlsState = map[uint16]string{0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}[st.Version]
		}
		in, out := c.Bytes()
		peer := ""
		if c.RemoteAddr() != nil {
			peer = c.RemoteAddr().String()
		}
		listener := c.Listener
		if listener == "" {
			listener = "(outgoing)"
		}
		rows = append(rows, row("id", float64(c.ID), "service", serving, "listener", listener, "peer", peer, "tls", tlsState,
			"in", float64(in), "out", float64(out), "age", time.Since(c.Started).Round(time.Second).String()))
	}
	return list(rows)
}

func (a *admin) stats() *luaval.Table {
	live := map[*listen.Stats][2]int64{}
	for _, c := range a.h.Server.Conns() {
		if c.Stats != nil {
			in, out := c.Bytes()
			v := live[c.Stats]
			live[c.Stats] = [2]int64{v[0] + in, v[1] + out}
		}
	}
	var rows []*luaval.Table
	for _, l := range a.h.Pool.Listeners() {
		st := &l.Stats
		b := live[st]
		rows = append(rows, row("listener", l.Binding.Listener, "address", l.Binding.AddrPort(), "open", float64(st.Open.Load()),
			"accepted", float64(st.Accepted.Load()), "rejected", float64(st.Rejected.Load()),
			"in", float64(st.BytesIn.Load()+b[0]), "out", float64(st.BytesOut.Load()+b[1]), "lua_errors", float64(st.LuaErrors.Load())))
	}
	rs := a.h.ReloadStatus()
	return row("listeners", list(rows), "reloads", float64(rs.Count), "reload_failures", float64(rs.Failures))
}

// cookiePath is where the console cookie lives: console_cookie_file, else
// console.cookie in data_path, else beside the config file.
func (a *admin) cookiePath() string { return CookiePath(a.h.Config()) }

func (a *admin) cookiePathOf(snap *config.Snapshot) string { return CookiePath(snap) }

// CookiePath is where the console cookie of a config lives.
func CookiePath(snap *config.Snapshot) string {
	if p := snap.Options.ConsoleCookieFile; p != "" {
		return p
	}
	if d := snap.Options.DataPath; d != "" {
		return filepath.Join(d, "console.cookie")
	}
	return filepath.Join(filepath.Dir(snap.Path), "console.cookie")
}

// consoleSecret is what a console session from peer must present:
// console_password, else the cookie (made on first use, mode 0600).
// console_auth = false turns it off, on loopback only: a session from
// another machine without a password is refused (consoleAdmits).
func (a *admin) consoleSecret(peer string) (any, error) {
	snap := a.h.Config()
	if err := consoleAdmits(snap, peer); err != nil {
		return nil, err
	}
	if !snap.Options.ConsoleAuth {
		return nil, nil
	}
	if pw := snap.Options.ConsolePassword; pw != "" {
		return pw, nil
	}
	cookie, err := ReadOrMakeCookie(a.cookiePath())
	if err == nil {
		a.h.redact(a.h.current())
	}
	return cookie, err
}

// ReadOrMakeCookie returns the console cookie at path, creating it with
// random content readable by its owner only if it does not exist.
func ReadOrMakeCookie(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("console cookie %s: %w", path, err)
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	cookie := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(cookie+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("console cookie %s: %w", path, err)
	}
	return cookie, nil
}

// authFailed logs a failed console login and returns how many seconds to
// wait before answering: doubling with each failure from that address.
func (a *admin) authFailed(addr string) float64 {
	a.mu.Lock()
	a.failures[addr]++
	n := a.failures[addr]
	a.mu.Unlock()
	delay := 0.25 * float64(int(1)<<min(n-1, 5))
	a.h.Log.Warnf("console: wrong or missing password from %s (%d failure(s); next answer in %.2fs)", addr, n, delay)
	return delay
}
