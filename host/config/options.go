package config

import (
	"cmp"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"time"

	"github.com/moonport/moonport/host/value"
)

// Options are the global options the Go side reads, typed. They are read
// once, when the config is evaluated (Snapshot.Options), so a value of the
// wrong type or out of range stops the config there, naming the file and
// line, the option and what to write, instead of quietly becoming the
// default. Options that only Lua modules read (module:get_option) are not
// here, except for the ranges the shipped modules rely on; nor are the
// Lua run budget's lua_timeout and lua_memory_limit, which the Lua runtime
// reads and checks itself (bridge.BudgetOf).
type Options struct {
	// Modules.
	PluginPaths     []string // plugin_paths: module folders, relative to the config file
	ModulesEnabled  []string // modules_enabled of the global section
	ModulesDisabled []string // modules_disabled of the global section

	// Listeners.
	MaxConnections int  // max_connections: the server-wide cap (default 8192, Stalwart's)
	StrictBinding  bool // strict_binding: any planning error or bind failure is fatal
	UseIPv4        bool // use_ipv4: the default interfaces include IPv4 (default true)
	UseIPv6        bool // use_ipv6: the default interfaces include IPv6 (default true)
	// RemovedListenerGrace is removed_listener_grace: how long the
	// connections of a listener a reload removed may go on. Negative
	// (unset) lets them go on until they end.
	RemovedListenerGrace time.Duration
	ReloadOnChange       bool   // reload_on_change: reload when a file the config depends on changes (default true)
	Certificates         string // certificates: the folder of NAME.crt/NAME.key files (default "certs")

	// The process.
	Pidfile      string // pidfile
	ProsodyUser  string // prosody_user: whom to become after binding
	ProsodyGroup string // prosody_group
	RunAsRoot    bool   // run_as_root: stay root without prosody_user
	DataPath     string // data_path, resolved against the config file's folder ("" when unset)

	// The console.
	ConsoleAuth       bool   // console_auth: false asks no secret (loopback only; default true)
	ConsolePassword   string // console_password
	ConsoleCookieFile string // console_cookie_file, resolved against the config file's folder ("" when unset)

	HTTP    HTTPOptions
	Storage StorageOptions // storage, default_storage, sql, sql_manage_tables, storage_timeout (storage.go)
}

// HTTPOptions are the http_* options of the listeners served by net/http.
type HTTPOptions struct {
	MaxHeaderSize  int               // http_max_header_size (default 64 KiB)
	MaxContentSize int64             // http_max_content_size: the largest request body (default 10 MiB)
	HeaderTimeout  time.Duration     // http_header_timeout (default 10 s)
	IdleTimeout    time.Duration     // http_idle_timeout: keep-alive (default 120 s)
	BodyTimeout    time.Duration     // http_body_timeout; 0 (unset) takes the listener's read_timeout
	HSTS           int               // https_hsts: Strict-Transport-Security max-age in seconds; 0 sends none
	RedirectHTTPS  bool              // http_redirect_https: plain HTTP answers with a redirect to https
	BuiltinPublic  bool              // http_builtin_public: the built-in pages on public listeners too
	Metrics        bool              // http_metrics: serve /metrics
	StatusPage     bool              // http_status_page: serve /status
	Paths          map[string]string // http_paths: module (or "metrics", "status") to the path it is served at
}

// Range is the span a numeric option may take. Like the network settings'
// ranges (listen.Check), they stop a typo such as 1e12 from reaching a
// buffer size, a duration or a count, where it would exhaust memory or
// overflow.
type Range struct {
	Min, Max float64
	Unit     string // "bytes", "connections", "seconds"
	Whole    bool
}

// The bounds the ranges share with the network settings (listen's
// MaxConnections, MaxBufferBytes, Hour and Day: this package cannot import
// listen, which reads its bindings, so host/core's tests hold them equal).
const (
	maxConnections = 1 << 20 // Linux's default fs.nr_open, the most descriptors one process may have
	maxBufferBytes = 1 << 30
	hour           = 3600 // seconds
	day            = 86400
)

// Ranges of the numeric global options.
var (
	connectionsRange = Range{1, maxConnections, "connections", true}
	graceRange       = Range{0, 30 * day, "seconds", false}
	contentRange     = Range{1, maxBufferBytes, "bytes", true} // a request body is held in memory
	headerSizeRange  = Range{1, 1 << 20, "bytes", true}
	headerTimeRange  = Range{0, hour, "seconds", false}
	idleTimeRange    = Range{0, day, "seconds", false}
	bodyTimeRange    = Range{0, 30 * day, "seconds", false} // read_timeout's range, whose place it takes
	hstsRange        = Range{0, 10 * 365 * day, "seconds", true}
	// multiplex_buffer_size is read by mod_net_multiplex, which holds this
	// much per undecided connection; it is only checked here.
	multiplexBufferRange = Range{1, 1 << 20, "bytes", true}
)

func (r Range) String() string {
	what := "a number"
	if r.Whole {
		what = "a whole number"
	}
	return fmt.Sprintf("%s of %s from %s to %s", what, r.Unit, formatBound(r.Min), formatBound(r.Max))
}

// formatBound writes a bound in full (2592000, not 2.592e+06).
func formatBound(n float64) string { return strconv.FormatFloat(n, 'f', -1, 64) }

// contains is false for NaN, as every comparison with it is.
func (r Range) contains(n float64) bool {
	return n >= r.Min && n <= r.Max && (!r.Whole || n == math.Trunc(n))
}

// ReadOptions reads the global options of s. The evaluator calls it once
// and keeps the result in s.Options; the error is the first option (in
// the order below) whose value has the wrong type or is out of range.
func ReadOptions(s *Snapshot) (*Options, error) {
	r := &optionReader{snap: s}
	o := &Options{
		PluginPaths:          r.strList("plugin_paths"),
		ModulesEnabled:       r.strList("modules_enabled"),
		ModulesDisabled:      r.strList("modules_disabled"),
		MaxConnections:       int(r.number("max_connections", connectionsRange, 8192)),
		StrictBinding:        r.boolean("strict_binding", false),
		UseIPv4:              r.boolean("use_ipv4", true),
		UseIPv6:              r.boolean("use_ipv6", true),
		RemovedListenerGrace: r.seconds("removed_listener_grace", graceRange, -1),
		ReloadOnChange:       r.boolean("reload_on_change", true),
		Certificates:         cmp.Or(r.str("certificates"), "certs"),
		Pidfile:              r.str("pidfile"),
		ProsodyUser:          r.str("prosody_user"),
		ProsodyGroup:         r.str("prosody_group"),
		RunAsRoot:            r.boolean("run_as_root", false),
		DataPath:             r.path("data_path"),
		ConsoleAuth:          r.boolean("console_auth", true),
		ConsolePassword:      r.str("console_password"),
		ConsoleCookieFile:    r.path("console_cookie_file"),
		HTTP:                 r.http(),
	}
	o.Storage = r.storage(o.DataPath)
	r.number("multiplex_buffer_size", multiplexBufferRange, 0)
	if r.err != nil {
		return nil, r.err
	}
	return o, nil
}

// http reads the http_* options. A timeout of 0 takes the default, as it
// always has.
func (r *optionReader) http() HTTPOptions {
	return HTTPOptions{
		MaxHeaderSize:  int(r.number("http_max_header_size", headerSizeRange, 64<<10)),
		MaxContentSize: int64(r.number("http_max_content_size", contentRange, 10<<20)),
		HeaderTimeout:  cmp.Or(r.seconds("http_header_timeout", headerTimeRange, 0), 10*time.Second),
		IdleTimeout:    cmp.Or(r.seconds("http_idle_timeout", idleTimeRange, 0), 120*time.Second),
		BodyTimeout:    r.seconds("http_body_timeout", bodyTimeRange, 0),
		HSTS:           int(r.number("https_hsts", hstsRange, 0)),
		RedirectHTTPS:  r.boolean("http_redirect_https", false),
		BuiltinPublic:  r.boolean("http_builtin_public", false),
		Metrics:        r.boolean("http_metrics", false),
		StatusPage:     r.boolean("http_status_page", false),
		Paths:          r.names("http_paths", `{ metrics = "/m" }`),
	}
}

// optionReader is the family of typed accessors ReadOptions is written
// with. Each reads one global option and returns its default when it is
// unset; a value of another type, or out of its range, records an error
// naming the file and line, the option, the value and what to write
// (the first one is kept), and returns the default.
type optionReader struct {
	snap *Snapshot
	host string // the section read, falling back to the global one; "" for the global one only
	err  error
}

func (r *optionReader) get(name string) (Option, bool) {
	o, ok := r.snap.Get(r.host, name)
	return o, ok && o.Value != nil
}

func (r *optionReader) fail(name string, o Option, format string, args ...any) {
	if r.err == nil {
		r.err = &Error{Location: o.Location, Message: fmt.Sprintf("%s = %s: %s", name, value.Format(o.Value), fmt.Sprintf(format, args...))}
	}
}

// kind names a value's type the way the operator wrote it.
func kind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "true or false"
	case *value.Table:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

// number reads a number within rg.
func (r *optionReader) number(name string, rg Range, def float64) float64 {
	o, ok := r.get(name)
	if !ok {
		return def
	}
	n, isNumber := o.Value.(float64)
	switch {
	case !isNumber:
		r.fail(name, o, "expected a number (%s), not %s", rg, kind(o.Value))
	case !rg.contains(n):
		r.fail(name, o, "expected %s", rg)
	default:
		return n
	}
	return def
}

// seconds reads a number of seconds within rg as a Duration.
func (r *optionReader) seconds(name string, rg Range, def time.Duration) time.Duration {
	if _, ok := r.get(name); !ok {
		return def
	}
	n := r.number(name, rg, math.NaN())
	if math.IsNaN(n) {
		return def
	}
	return value.Seconds(n)
}

// boolean reads true or false.
func (r *optionReader) boolean(name string, def bool) bool {
	o, ok := r.get(name)
	if !ok {
		return def
	}
	b, isBool := o.Value.(bool)
	if !isBool {
		r.fail(name, o, "expected true or false, not %s", kind(o.Value))
		return def
	}
	return b
}

// str reads a string; a number is taken as written (Option.String).
func (r *optionReader) str(name string) string {
	o, ok := r.get(name)
	if !ok {
		return ""
	}
	s, err := o.String("")
	if err != nil {
		r.fail(name, o, "expected a string, not %s", kind(o.Value))
	}
	return s
}

// path reads a file or folder name, relative to the config file's folder.
func (r *optionReader) path(name string) string {
	p := r.str(name)
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(r.snap.Path), p)
}

// strList reads a list of strings; a lone string is a list of one, as
// Prosody takes it.
func (r *optionReader) strList(name string) []string {
	o, ok := r.get(name)
	if !ok {
		return nil
	}
	if t, isTable := o.Value.(*value.Table); isTable && len(t.Hash) > 0 {
		r.fail(name, o, `expected a list of strings such as { "a", "b" }, not a table with named fields`)
		return nil
	}
	var out []string
	for i, v := range value.List(o.Value) {
		s, isString := v.(string)
		if !isString {
			r.fail(name, o, `expected a list of strings such as { "a", "b" }; entry %d is %s`, i+1, kind(v))
			return nil
		}
		out = append(out, s)
	}
	return out
}

// GlobalTable reads the global option name, which must be a table such as
// example, or unset (nil): the typed accessor for options whose names are
// made at run time, such as <service>_ssl.
func (s *Snapshot) GlobalTable(name, example string) (*value.Table, error) {
	r := &optionReader{snap: s}
	t := r.table(name, example)
	return t, r.err
}

// table reads a table such as example.
func (r *optionReader) table(name, example string) *value.Table {
	o, ok := r.get(name)
	if !ok {
		return nil
	}
	t, isTable := o.Value.(*value.Table)
	if !isTable {
		r.fail(name, o, "expected a table such as %s, not %s", example, kind(o.Value))
	}
	return t
}

// names reads a table of names to strings, such as example.
func (r *optionReader) names(name, example string) map[string]string {
	o, ok := r.get(name)
	if !ok {
		return nil
	}
	t, isTable := o.Value.(*value.Table)
	if !isTable || len(t.Array) > 0 {
		r.fail(name, o, "expected a table of names and strings such as %s", example)
		return nil
	}
	out := map[string]string{}
	for _, k := range t.Keys() {
		v := t.Hash[k]
		ks, keyOK := k.(string)
		vs, valueOK := v.(string)
		if !keyOK || !valueOK {
			r.fail(name, o, "expected a table of names and strings such as %s; [%s] is %s", example, value.Format(k), kind(v))
			return nil
		}
		out[ks] = vs
	}
	return out
}
