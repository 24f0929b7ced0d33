package luaconfig

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/config"
)

// TestOptionsDefaults: a config that sets nothing gets the documented
// defaults.
func TestOptionsDefaults(t *testing.T) {
	s, err := Evaluate("/etc/moonport/prosody.cfg.lua", []byte("-- nothing\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := &config.Options{
		MaxConnections:       8192,
		UseIPv4:              true,
		UseIPv6:              true,
		RemovedListenerGrace: -1,
		ReloadOnChange:       true,
		Certificates:         "certs",
		ConsoleAuth:          true,
		HTTP: config.HTTPOptions{
			MaxHeaderSize:  64 << 10,
			MaxContentSize: 10 << 20,
			HeaderTimeout:  10 * time.Second,
			IdleTimeout:    120 * time.Second,
		},
	}
	want.Storage = s.Options.Storage // TestStorageDefaults checks it
	if !reflect.DeepEqual(s.Options, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", s.Options, want)
	}
}

// TestOptionsRead: every kind of option is read into its typed field.
func TestOptionsRead(t *testing.T) {
	s, err := Evaluate("/etc/moonport/prosody.cfg.lua", []byte(`
plugin_paths = "plugins"
modules_enabled = { "echo", "chat" }
modules_disabled = { "chat" }
lua_timeout = 0.25
max_connections = 100
strict_binding = true
use_ipv6 = false
removed_listener_grace = 0
reload_on_change = false
certificates = "/etc/certs"
pidfile = "/run/moonport.pid"
prosody_user = 1000
data_path = "data"
console_auth = false
console_password = "long enough secret"
console_cookie_file = "/run/cookie"
http_header_timeout = 0
http_body_timeout = 30
https_hsts = 3600
http_metrics = true
http_paths = { metrics = "/m", files = "/f" }
`))
	if err != nil {
		t.Fatal(err)
	}
	o := s.Options
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"plugin_paths", o.PluginPaths, []string{"plugins"}},
		{"modules_enabled", o.ModulesEnabled, []string{"echo", "chat"}},
		{"modules_disabled", o.ModulesDisabled, []string{"chat"}},
		{"max_connections", o.MaxConnections, 100},
		{"strict_binding", o.StrictBinding, true},
		{"use_ipv4", o.UseIPv4, true},
		{"use_ipv6", o.UseIPv6, false},
		{"removed_listener_grace", o.RemovedListenerGrace, time.Duration(0)},
		{"reload_on_change", o.ReloadOnChange, false},
		{"certificates", o.Certificates, "/etc/certs"},
		{"pidfile", o.Pidfile, "/run/moonport.pid"},
		{"prosody_user", o.ProsodyUser, "1000"}, // a number is taken as written
		{"data_path", o.DataPath, "/etc/moonport/data"},
		{"console_auth", o.ConsoleAuth, false},
		{"console_password", o.ConsolePassword, "long enough secret"},
		{"console_cookie_file", o.ConsoleCookieFile, "/run/cookie"},
		{"http_header_timeout", o.HTTP.HeaderTimeout, 10 * time.Second}, // 0 takes the default
		{"http_body_timeout", o.HTTP.BodyTimeout, 30 * time.Second},
		{"https_hsts", o.HTTP.HSTS, 3600},
		{"http_metrics", o.HTTP.Metrics, true},
		{"http_paths", o.HTTP.Paths, map[string]string{"metrics": "/m", "files": "/f"}},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

// TestOptionsWrongType: a value of the wrong type is an error naming the
// file and line, the option and the value, and saying what to write; it
// used to become the default without a word.
func TestOptionsWrongType(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{`max_connections = "lots"`, `max_connections = "lots": expected a number (a whole number of connections from 1 to 1048576), not a string`},
		{`removed_listener_grace = { 5 }`, `removed_listener_grace = { 5 }: expected a number (a number of seconds from 0 to 2592000), not a table`},
		{`http_idle_timeout = "2m"`, `http_idle_timeout = "2m": expected a number (a number of seconds from 0 to 86400), not a string`},
		{`strict_binding = "yes"`, `strict_binding = "yes": expected true or false, not a string`},
		{`reload_on_change = 0`, `reload_on_change = 0: expected true or false, not a number`},
		{`console_auth = "off"`, `console_auth = "off": expected true or false, not a string`},
		{`http_metrics = 1`, `http_metrics = 1: expected true or false, not a number`},
		{`pidfile = { "a" }`, `pidfile = { "a" }: expected a string, not a table`},
		{`console_password = true`, `console_password = true: expected a string, not true or false`},
		{`modules_enabled = { "echo", 5 }`, `modules_enabled = { "echo", 5 }: expected a list of strings such as { "a", "b" }; entry 2 is a number`},
		{`plugin_paths = { dir = "x" }`, `plugin_paths = { dir = "x" }: expected a list of strings such as { "a", "b" }, not a table with named fields`},
		{`http_paths = "/m"`, `http_paths = "/m": expected a table of names and strings such as { metrics = "/m" }`},
		{`http_paths = { metrics = 5 }`, `http_paths = { metrics = 5 }: expected a table of names and strings such as { metrics = "/m" }; ["metrics"] is a number`},
	} {
		_, err := Evaluate("/etc/moonport/prosody.cfg.lua", []byte("a = 1\n"+c.line+"\n"))
		if err == nil {
			t.Errorf("%s: no error", c.line)
			continue
		}
		if want := "/etc/moonport/prosody.cfg.lua:2: " + c.want; err.Error() != want {
			t.Errorf("%s:\n got %s\nwant %s", c.line, err, want)
		}
	}
}

// TestOptionsOutOfRange: a number out of its range is an error with the
// range; the first bad option is reported, in an Included file with that
// file's name and line.
func TestOptionsOutOfRange(t *testing.T) {
	path := writeFiles(t, map[string]string{
		"prosody.cfg.lua": "Include \"more.cfg.lua\"\n",
		"more.cfg.lua":    "-- limits\nmax_connections = 0.5\nhttps_hsts = -1\n",
	})
	_, err := Load(path)
	want := "more.cfg.lua:2: max_connections = 0.5: expected a whole number of connections from 1 to 1048576"
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("got %v, want …%s", err, want)
	}
	_, err = Evaluate("x.cfg.lua", []byte("multiplex_buffer_size = 1e12\n"))
	if want := "x.cfg.lua:1: multiplex_buffer_size = 1e+12: expected a whole number of bytes from 1 to 1048576"; err == nil || err.Error() != want {
		t.Errorf("a range checked for a module: got %v, want %s", err, want)
	}
}

// TestGlobalTable: options named at run time are read with the same
// accessors.
func TestGlobalTable(t *testing.T) {
	s, err := Evaluate("x.cfg.lua", []byte("https_ssl = { key = \"k\" }\nsmtp_ssl = \"cert.pem\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if tbl, err := s.GlobalTable("https_ssl", "{ … }"); err != nil || tbl.Field("key") != "k" {
		t.Errorf("https_ssl: %v, %v", tbl, err)
	}
	if tbl, err := s.GlobalTable("c2s_ssl", "{ … }"); err != nil || tbl != nil {
		t.Errorf("unset: %v, %v", tbl, err)
	}
	_, err = s.GlobalTable("smtp_ssl", `{ certificate = "…" }`)
	if want := `x.cfg.lua:2: smtp_ssl = "cert.pem": expected a table such as { certificate = "…" }, not a string`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
