// Package admin is the console's backend: the commands the console module
// (mod_admin_telnet) runs through require "moonport.admin", kept as a
// table of named functions, and the rules of who may use the console —
// where its address and its secret are, when it asks for one, and why it
// must not serve other machines without a real password — which
// `moonport shell` follows too.
//
// It works through the narrow Host interface that host/core implements
// and answers in plain Go values (Row, Rows) that the bridge hands to Lua.
// It must not reach into listeners, connections, the config snapshot or
// Lua.
package admin

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/status"
)

// Host is what the console needs of the running server.
type Host interface {
	// Status is what the server is doing now: listeners and their
	// counters, modules, reloads, the version.
	Status() status.Snapshot
	// Conns lists the open connections.
	Conns() []Conn
	// CloseConn closes connection id; false when there is none.
	CloseConn(id uint64) bool
	// ClosePort stops listening on port (on address iface only, unless
	// it is "") and returns how many sockets it closed.
	ClosePort(port int, iface string) int
	// Multiplexers lists the services a multiplexer can route to.
	Multiplexers() []Multiplexer
	// ConfigOption is option name of host ("*": the global section) as
	// written in the config, secrets redacted (IsSecret); "nil" when unset.
	ConfigOption(host, name string) string
	// Override makes the next reload load (op "load"), unload ("unload")
	// or reload ("reload") module on host; undo takes it back.
	Override(op, module, host string) (undo func())
	// Reload applies the config file again; why is logged.
	Reload(why string) error
	// SetLogLevel logs from level on.
	SetLogLevel(level string) error
	// ReopenLogs opens the log files again, as SIGUSR1 does.
	ReopenLogs() error
	// RequestShutdown asks the server to stop, for reason.
	RequestShutdown(reason string)
	// Upgrade starts the new binary with the listening sockets.
	Upgrade() error
	// Access is the running config's console rules.
	Access() Access
	// HideSecrets keeps the running config's secrets, the console cookie
	// among them, out of the log (again, once the cookie is made).
	HideSecrets()
	// Stores lists the stores holding data, of host ("" for every
	// host), on every storage driver (stores.go).
	Stores(host string) ([]Store, error)
}

// Conn is an open connection as the console lists it.
type Conn struct {
	ID       uint64
	Service  string // what serves it (a multiplexed HTTP connection shows as HTTP)
	Listener string // "" for an outgoing connection
	Peer     string
	TLS      uint16 // the TLS version (tls.VersionTLS13, …); 0 without TLS
	In, Out  int64  // bytes
	Started  time.Time
}

// Multiplexer is a service a multiplexer routes to, and what tells its
// connections apart (as its module declared them).
type Multiplexer struct {
	Name                   string
	Pattern, Protocol, SNI any
}

// Row is one record of an answer (a port, a module, a connection): field
// names to strings, numbers (float64), booleans or Rows. Lua gets it as a
// table.
type Row map[string]any

// Rows is a list of records; Lua gets it as an array.
type Rows []Row

// Admin answers the console module's calls.
type Admin struct {
	host Host
	log  logrus.FieldLogger

	mu       sync.Mutex
	failures map[string]int // console authentication failures by address
}

// New is the console backend of host, logging failed logins to log.
func New(host Host, log logrus.FieldLogger) *Admin {
	return &Admin{host: host, log: log, failures: map[string]int{}}
}

// args are a call's arguments, as Lua passed them.
type args []any

// str is argument i as a string ("" when missing; a number as written).
func (a args) str(i int) string {
	if i < len(a) {
		switch v := a[i].(type) {
		case string:
			return v
		case float64:
			return fmt.Sprint(v)
		}
	}
	return ""
}

// number is argument i as a number (0 when missing or not a number).
func (a args) number(i int) float64 {
	if i < len(a) {
		n, _ := a[i].(float64)
		return n
	}
	return 0
}

type commandFunc func(a *Admin, args args) (any, error)

// commands are the calls the console module makes, by name.
var commands = map[string]commandFunc{
	"version":            (*Admin).version,
	"uptime":             (*Admin).uptime,
	"memory":             (*Admin).memory,
	"shutdown":           (*Admin).shutdown,
	"upgrade":            (*Admin).upgrade,
	"ports":              (*Admin).ports,
	"close_port":         (*Admin).closePort,
	"modules":            (*Admin).modules,
	"module_info":        (*Admin).moduleInfo,
	"module_load":        moduleOp("load"),
	"module_unload":      moduleOp("unload"),
	"module_reload":      moduleOp("reload"),
	"config_get":         (*Admin).configGet,
	"reload":             (*Admin).reload,
	"reload_status":      (*Admin).reloadStatus,
	"conns":              (*Admin).conns,
	"close_conn":         (*Admin).closeConn,
	"stats":              (*Admin).stats,
	"multiplex_services": (*Admin).multiplexServices,
	"log_level":          (*Admin).logLevel,
	"reopen_logs":        (*Admin).reopenLogs,
	"console_secret":     (*Admin).consoleSecret,
	"auth_failed":        (*Admin).authFailed,
}

// Call runs one console request.
func (a *Admin) Call(name string, callArgs []any) (any, error) {
	cmd, ok := commands[name]
	if !ok {
		return nil, fmt.Errorf("unknown admin call %q", name)
	}
	return cmd(a, callArgs)
}

// waiting are the calls that may run module code (a reload calls
// module.save, module.load and the hooks of every module, the console's
// own included) or take long (an upgrade waits for the new process).
var waiting = map[string]bool{"reload": true, "module_load": true, "module_unload": true, "module_reload": true, "upgrade": true}

// Waits reports whether a call is one of those: the bridge runs it
// without holding the caller's Lua state, so only from a task.
func (a *Admin) Waits(name string) bool { return waiting[name] }

func (a *Admin) version(args) (any, error) { return a.host.Status().Version, nil }

func (a *Admin) uptime(args) (any, error) { return a.host.Status().Uptime.Seconds(), nil }

func (a *Admin) memory(args) (any, error) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return Row{"heap": float64(ms.HeapAlloc), "sys": float64(ms.Sys), "goroutines": float64(runtime.NumGoroutine()),
		"connections": float64(a.host.Status().Connections)}, nil
}

func (a *Admin) shutdown(args args) (any, error) {
	reason := args.str(0)
	if reason == "" {
		reason = "console request"
	}
	a.host.RequestShutdown(reason)
	return "shutting down", nil
}

func (a *Admin) upgrade(args) (any, error) {
	if err := a.host.Upgrade(); err != nil {
		return nil, err
	}
	return "the new process is ready; this one finishes its connections and exits", nil
}

func (a *Admin) ports(args) (any, error) {
	rows := Rows{}
	for _, l := range a.host.Status().Listeners {
		reach := "local"
		if l.Public {
			reach = "public"
		}
		rows = append(rows, Row{"service": l.Service, "listener": l.Listener, "address": l.Address, "port": float64(l.Port),
			"encryption": l.Encryption, "reach": reach, "open": float64(l.Open), "accepted": float64(l.Accepted)})
	}
	return rows, nil
}

func (a *Admin) closePort(args args) (any, error) {
	port, iface := args.number(0), args.str(1)
	n := a.host.ClosePort(int(port), iface)
	switch {
	case n > 0:
		return float64(n), nil
	case iface != "":
		return nil, fmt.Errorf("nothing listens on port %v on %s", port, iface)
	}
	return nil, fmt.Errorf("nothing listens on port %v", port)
}

func (a *Admin) modules(args) (any, error) { return a.moduleRows(""), nil }

func (a *Admin) moduleInfo(args args) (any, error) {
	rows := a.moduleRows(args.str(0))
	if len(rows) == 0 {
		return nil, fmt.Errorf("module '%s' is not loaded", args.str(0))
	}
	return rows, nil
}

// moduleRows lists the loaded modules, or only those called only.
func (a *Admin) moduleRows(only string) Rows {
	rows := Rows{}
	for _, m := range a.host.Status().Modules {
		if only != "" && m.Name != only {
			continue
		}
		row := Row{"name": m.Name, "host": m.Host, "file": m.File, "services": strings.Join(m.Services, ","),
			"copies": float64(m.Copies), "connections": float64(m.Connections)}
		if m.Status != "" {
			row["status"] = m.Status // module:set_status
		}
		rows = append(rows, row)
	}
	return rows
}

// moduleOp is the console's module:load, module:unload and
// module:reload, each run as a reload. A load or unload whose reload
// fails is taken back, so later reloads do not fail for it; reloading a
// module that is not loaded is an error naming it. The optional third
// argument says who asks, for the log ("console" unless given).
func moduleOp(op string) commandFunc {
	return func(a *Admin, args args) (any, error) {
		module, host, by := args.str(0), args.str(1), args.str(2)
		if by == "" {
			by = "console"
		}
		if host == "" {
			host = "*"
		}
		if op == "reload" {
			if err := a.loaded(module, host); err != nil {
				return nil, err
			}
		}
		undo := a.host.Override(op, module, host)
		err := a.host.Reload(by + " module:" + op + "(" + module + ")")
		if err != nil && op != "reload" {
			undo()
		}
		return nil, err
	}
}

// loaded says whether module runs on host, and where it does if not there.
func (a *Admin) loaded(module, host string) error {
	var elsewhere []string
	for _, m := range a.host.Status().Modules {
		if m.Name != module {
			continue
		}
		if m.Host == host {
			return nil
		}
		elsewhere = append(elsewhere, m.Host)
	}
	if len(elsewhere) > 0 {
		return fmt.Errorf("module '%s' is not loaded on %s (it is on %s: name the host, module:reload(%q, %q))",
			module, host, strings.Join(elsewhere, ", "), module, elsewhere[0])
	}
	return fmt.Errorf("module '%s' is not loaded; module:list() shows what is", module)
}

// configGet shows an option the way it is written in the config, with
// secrets (passwords, cookies, tokens) redacted.
func (a *Admin) configGet(args args) (any, error) {
	host := args.str(0)
	if host == "" {
		host = "*"
	}
	return a.host.ConfigOption(host, args.str(1)), nil
}

func (a *Admin) reload(args) (any, error) { return nil, a.host.Reload("console") }

func (a *Admin) reloadStatus(args) (any, error) {
	r := a.host.Status().Reloads
	last := ""
	if !r.Last.IsZero() {
		last = r.Last.UTC().Format(time.RFC3339)
	}
	return Row{"count": float64(r.Count), "failures": float64(r.Failures), "last": last, "error": r.LastError}, nil
}

// tlsVersions names the TLS versions a connection may have.
var tlsVersions = map[uint16]string{0: "no", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}

// conns lists the open connections (of one service, unless it is "").
func (a *Admin) conns(args args) (any, error) {
	service := args.str(0)
	cs := a.host.Conns()
	slices.SortFunc(cs, func(x, y Conn) int { return cmp.Compare(x.ID, y.ID) })
	rows := Rows{}
	for _, c := range cs {
		if service != "" && c.Service != service {
			continue
		}
		listener := c.Listener
		if listener == "" {
			listener = "(outgoing)"
		}
		rows = append(rows, Row{"id": float64(c.ID), "service": c.Service, "listener": listener, "peer": c.Peer, "tls": tlsVersions[c.TLS],
			"in": float64(c.In), "out": float64(c.Out), "age": time.Since(c.Started).Round(time.Second).String()})
	}
	return rows, nil
}

func (a *Admin) closeConn(args args) (any, error) {
	id := args.number(0)
	if !a.host.CloseConn(uint64(id)) {
		return nil, fmt.Errorf("no connection %v", id)
	}
	return true, nil
}

func (a *Admin) stats(args) (any, error) {
	s := a.host.Status()
	rows := Rows{}
	for _, l := range s.Listeners {
		rows = append(rows, Row{"listener": l.Listener, "address": l.AddrPort, "open": float64(l.Open),
			"accepted": float64(l.Accepted), "rejected": float64(l.Refused),
			"in": float64(l.BytesIn), "out": float64(l.BytesOut), "lua_errors": float64(l.LuaErrors)})
	}
	return Row{"listeners": rows, "reloads": float64(s.Reloads.Count), "reload_failures": float64(s.Reloads.Failures)}, nil
}

func (a *Admin) multiplexServices(args) (any, error) {
	rows := Rows{}
	for _, m := range a.host.Multiplexers() {
		rows = append(rows, Row{"name": m.Name, "pattern": m.Pattern, "protocol": m.Protocol, "sni": m.SNI})
	}
	return rows, nil
}

func (a *Admin) logLevel(args args) (any, error) { return nil, a.host.SetLogLevel(args.str(0)) }

func (a *Admin) reopenLogs(args) (any, error) { return nil, a.host.ReopenLogs() }

// consoleSecret is what a console session from peer (an IP address)
// must present: console_password, else the cookie (made on first use,
// mode 0600); nil when console_auth = false. A session from another
// machine without a real password is refused (Access.Admits).
func (a *Admin) consoleSecret(args args) (any, error) {
	acc := a.host.Access()
	if err := acc.Admits(args.str(0)); err != nil {
		return nil, err
	}
	if !acc.Auth {
		return nil, nil
	}
	if acc.Password != "" {
		return acc.Password, nil
	}
	cookie, err := ReadOrMakeCookie(acc.CookieFile)
	if err != nil {
		return nil, err
	}
	a.host.HideSecrets()
	return cookie, nil
}

// authFailed logs a failed console login and returns how many seconds to
// wait before answering: doubling with each failure from that address.
func (a *Admin) authFailed(args args) (any, error) {
	addr := args.str(0)
	a.mu.Lock()
	a.failures[addr]++
	n := a.failures[addr]
	a.mu.Unlock()
	delay := 0.25 * float64(int(1)<<min(n-1, 5))
	a.log.Warnf("console: wrong or missing password from %s (%d failure(s); next answer in %.2fs)", addr, n, delay)
	return delay, nil
}
