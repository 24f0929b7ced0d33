package luaconfig

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/value"
)

// writeFiles makes a config tree in a temp dir and returns the main file.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "prosody.cfg.lua")
}

func TestOptionsAndSections(t *testing.T) {
	t.Setenv("MOONPORT_TEST_SECRET", "s3cret")
	path := writeFiles(t, map[string]string{
		"prosody.cfg.lua": `
admins = { "a@example.com" }
c2s_ports = 5222
secret = ENV_MOONPORT_TEST_SECRET
missing = ENV_MOONPORT_TEST_UNSET
computed = string.upper("x") .. tostring(math.max(1, 2)) .. #os.date("%Y")
VirtualHost "Example.COM"
	admins = { "b@example.com" }
	local_only = true
Host "second.example" { flag = 1 }
after = "global again"
Component "muc.example.com" "muc"
	name = "Rooms"
Component "ext.example.com" { component_secret = "x" }
`,
	})
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		host, option string
		want         string
	}{
		{"*", "admins", `{ "a@example.com" }`},
		{"example.com", "admins", `{ "b@example.com" }`},
		{"EXAMPLE.com", "c2s_ports", `5222`}, // falls back to global
		{"example.com", "local_only", `true`},
		{"*", "local_only", `nil`},
		{"second.example", "flag", `1`},
		{"*", "after", `"global again"`},
		{"*", "secret", `"s3cret"`},
		{"*", "missing", `nil`},
		{"*", "computed", `"X24"`},
		{"muc.example.com", "name", `"Rooms"`},
		{"muc.example.com", "load_global_modules", `false`},
		{"ext.example.com", "component_secret", `"x"`},
	}
	for _, c := range cases {
		if got := value.Format(s.Value(c.host, c.option)); got != c.want {
			t.Errorf("%s/%s = %s, want %s", c.host, c.option, got, c.want)
		}
	}
	hosts := s.Hosts()
	if len(hosts) != 4 || hosts[0].Name != "example.com" || hosts[2].Module != "muc" || hosts[3].Module != "component" {
		t.Fatalf("hosts: %+v", hosts)
	}
	if o, _ := s.Get("example.com", "admins"); o.Line != 8 || o.File != path {
		t.Errorf("admins location = %v, want %s:8", o.Location, path)
	}
	if len(s.Warnings) != 0 {
		t.Errorf("unexpected warnings: %v", s.Warnings)
	}
}

func TestWarnings(t *testing.T) {
	path := writeFiles(t, map[string]string{"prosody.cfg.lua": `x = 1
x = 2
VirtualHost "a.example"
	c2s_ports = { 5223 }
	interfaces = { "*" }
	x = 3
	ssl = { certificate = "a.crt" }
`})
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range s.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		path + ":2: Duplicate option 'x'",
		path + ":4: option 'c2s_ports' is a network option",
		path + ":5: option 'interfaces' is a network option",
	}
	if len(got) != len(want) {
		t.Fatalf("warnings = %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("warning %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
	if s.Value("a.example", "c2s_ports") != nil {
		t.Error("a network option in a host section must be ignored")
	}
	if s.Value("a.example", "ssl") == nil {
		t.Error("per-host ssl is a host option and must be kept")
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  string // substring, after "file:line: "
		line  int
	}{
		{"syntax", map[string]string{"prosody.cfg.lua": "a = 1\nb = = 2\n"}, "syntax error", 2},
		{"runtime", map[string]string{"prosody.cfg.lua": "a = 1\n\nb = nil .. 'x'\n"}, "", 3},
		{"io refused", map[string]string{"prosody.cfg.lua": "x = io.open('/etc/passwd')\n"}, "'io' is not available in the config sandbox", 1},
		{"os.execute refused", map[string]string{"prosody.cfg.lua": "\nos.execute('true')\n"}, "'os.execute' is not available", 2},
		{"require refused", map[string]string{"prosody.cfg.lua": "require 'socket'\n"}, "'require' is not available", 1},
		{"dofile refused", map[string]string{"prosody.cfg.lua": "dofile('/etc/x')\n"}, "'dofile' is not available", 1},
		{"load refused", map[string]string{"prosody.cfg.lua": "load('return 1')\n"}, "'load' is not available", 1},
		{"host clashes with component", map[string]string{"prosody.cfg.lua": "Component \"a.example\" \"muc\"\nVirtualHost \"a.example\"\n"}, `Host "a.example" clashes with previously defined MUC Component "a.example"`, 2},
		{"component clashes with host", map[string]string{"prosody.cfg.lua": "VirtualHost \"a.example\"\nComponent \"a.example\"\n"}, `Component "a.example" clashes with previously defined VirtualHost "a.example"`, 2},
		{"host with module name", map[string]string{"prosody.cfg.lua": "VirtualHost \"a.example\" \"muc\"\n"}, "VirtualHost entries do not accept a module name", 1},
		{"host without name", map[string]string{"prosody.cfg.lua": "VirtualHost()\n"}, "Host must have a name", 1},
		{"function value", map[string]string{"prosody.cfg.lua": "f = function() end\n"}, "option 'f': a function cannot be used here", 1},
		{"error in include", map[string]string{"prosody.cfg.lua": "Include 'more.lua'\n", "more.lua": "\n\nx = y.z\n"}, "", 3},
		{"missing include", map[string]string{"prosody.cfg.lua": "\nInclude 'nope.lua'\n"}, "Error loading included", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFiles(t, c.files)
			_, err := Load(path)
			ce, ok := err.(*config.Error)
			if !ok {
				t.Fatalf("error = %v (%T), want *config.Error", err, err)
			}
			if ce.Line != c.line {
				t.Errorf("line = %d, want %d (%v)", ce.Line, c.line, err)
			}
			if !strings.HasPrefix(ce.File, filepath.Dir(path)) {
				t.Errorf("file = %q, want one in %s", ce.File, filepath.Dir(path))
			}
			if !strings.Contains(ce.Message, c.want) {
				t.Errorf("message = %q, want it to contain %q", ce.Message, c.want)
			}
		})
	}
}

func TestIncludeRunScriptAndFiles(t *testing.T) {
	path := writeFiles(t, map[string]string{
		"prosody.cfg.lua": `
Include "conf.d/*.cfg.lua"
Include "extra/one.lua"
value = RunScript "script.lua"
secret = FileLine "secret.txt"
motd = FileContents "secret.txt"
lines = FileLines "secret.txt"
`,
		"conf.d/a.cfg.lua":       `from_a = "a"`,
		"conf.d/b.cfg.lua":       `VirtualHost "b.example" from_b = FileLine("../secret.txt")`,
		"conf.d/.hidden.cfg.lua": `hidden = true`,
		"conf.d/skip.txt":        `not = lua`,
		"extra/one.lua":          `Include "two.lua"`,
		"extra/two.lua":          `nested = true`,
		"script.lua":             `return 40 + 2`,
		"secret.txt":             "line one\r\nline two\n",
	})
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{
		"*/from_a": `"a"`, "b.example/from_b": `"line one"`, "*/hidden": "nil", "*/nested": "true",
		"*/value": "42", "*/secret": `"line one"`, "*/motd": `"line one\r\nline two\n"`, "*/lines": `{ "line one", "line two" }`,
	}
	for k, want := range checks {
		host, opt, _ := strings.Cut(k, "/")
		if got := value.Format(s.Value(host, opt)); got != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	if o, _ := s.Get("*", "nested"); !strings.HasSuffix(o.File, "extra/two.lua") || o.Line != 1 {
		t.Errorf("nested set at %v, want extra/two.lua:1", o.Location)
	}
	if len(s.Files) < 5 {
		t.Errorf("files read = %v", s.Files)
	}
}

// TestPatternsAndEmptyFiles: the snapshot names its wildcard Include
// patterns (for the file watcher) and the Lua files that were empty (for
// reload's check of a save caught half-way); an empty data file is not
// one of them.
func TestPatternsAndEmptyFiles(t *testing.T) {
	path := writeFiles(t, map[string]string{
		"prosody.cfg.lua":  "Include \"conf.d/*.cfg.lua\"\nInclude \"blank.lua\"\nx = FileContents \"data.txt\"\n",
		"conf.d/a.cfg.lua": " \n\t\n",
		"blank.lua":        "",
		"data.txt":         "",
	})
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	if want := filepath.Join(dir, "conf.d", "*.cfg.lua"); len(s.Patterns) != 1 || s.Patterns[0] != want {
		t.Errorf("patterns = %v, want [%s]", s.Patterns, want)
	}
	want := []string{filepath.Join(dir, "conf.d", "a.cfg.lua"), filepath.Join(dir, "blank.lua")}
	if strings.Join(s.Empty, " ") != strings.Join(want, " ") {
		t.Errorf("empty = %v, want %v", s.Empty, want)
	}
	s, err = Evaluate(path, nil)
	if err != nil || len(s.Empty) == 0 || s.Empty[0] != path {
		t.Errorf("an empty main file: empty = %v (%v)", s.Empty, err)
	}
}

// TestFunctionsInTLSTables: Prosody's ssl tables may hold functions (for
// LuaSec); they are kept, naming where they were defined, in ssl and
// <service>_ssl, globally and per host. Elsewhere a function stays an
// error (TestErrors).
func TestFunctionsInTLSTables(t *testing.T) {
	path := writeFiles(t, map[string]string{"prosody.cfg.lua": "ssl = {\n\tpassword = function() return 'x' end;\n}\nhttps_ssl = { alpn = function() end }\nVirtualHost \"a.example\"\n\tssl = { [5281] = { alpn = function() end } }\n"})
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		host, name string
		get        func(*value.Table) any
		line       int
	}{
		{"*", "ssl", func(t *value.Table) any { return t.Field("password") }, 2},
		{"*", "https_ssl", func(t *value.Table) any { return t.Field("alpn") }, 4},
		{"a.example", "ssl", func(t *value.Table) any { return t.Get(5281.0).(*value.Table).Field("alpn") }, 6},
	} {
		tbl, _ := s.Value(c.host, c.name).(*value.Table)
		fn, ok := c.get(tbl).(*value.Function)
		if !ok || fn.Call != nil || fn.Where != fmt.Sprintf("%s:%d", path, c.line) {
			t.Errorf("%s %s: %#v, want a function defined at %s:%d that cannot be called", c.host, c.name, fn, path, c.line)
		}
	}
}
