package logging

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/config/luaconfig"
)

func logWith(t *testing.T, cfg string) *logrus.Logger {
	t.Helper()
	snap, err := luaconfig.Evaluate("t.cfg.lua", []byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(snap.Value("*", "log"), "t.cfg.lua: log")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	l := logrus.New()
	s.Install(l)
	return l
}

func read(t *testing.T, p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

func TestSinks(t *testing.T) {
	dir := t.TempDir()
	all, errs, js := filepath.Join(dir, "all.log"), filepath.Join(dir, "err.log"), filepath.Join(dir, "j.log")
	l := logWith(t, `log = {
		{ levels = { min = "debug" }, to = "file", filename = "`+all+`" };
		{ levels = { "error" }, to = "file", filename = "`+errs+`" };
		{ levels = { min = "warn", max = "warn" }, to = "file", filename = "`+js+`", format = "json" };
	}`)
	l.Debug("d-line")
	l.Info("i-line")
	l.Warn("w-line")
	l.Error("e-line")
	if got := read(t, all); !strings.Contains(got, "d-line") || !strings.Contains(got, "e-line") {
		t.Errorf("all.log: %s", got)
	}
	if got := read(t, errs); strings.Contains(got, "w-line") || !strings.Contains(got, "e-line") {
		t.Errorf("err.log: %s", got)
	}
	var entry map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(read(t, js))), &entry); err != nil || entry["msg"] != "w-line" {
		t.Errorf("j.log must hold exactly the warning as JSON: %v %s", err, read(t, js))
	}
}

func TestLevelTableAndErrors(t *testing.T) {
	dir := t.TempDir()
	errs := filepath.Join(dir, "e.log")
	l := logWith(t, `log = { error = "`+errs+`" }`)
	l.Info("quiet")
	l.Error("loud")
	if got := read(t, errs); strings.Contains(got, "quiet") || !strings.Contains(got, "loud") {
		t.Errorf("e.log: %s", got)
	}
	for cfg, want := range map[string]string{
		`log = { { to = "file" } }`:               `needs filename`,
		`log = { { to = "pigeon" } }`:             `to = "pigeon"`,
		`log = { { levels = { min = "loud" } } }`: `levels.min = "loud"`,
		`log = 5`: `5 is not a log destination`,
		`log = { { to = "file", filename = "/nonexistent/dir/x.log" } }`: `cannot open log file`,
	} {
		snap, _ := luaconfig.Evaluate("t.cfg.lua", []byte(cfg))
		if _, err := Parse(snap.Value("*", "log"), "t.cfg.lua:1: log"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", cfg, err, want)
		}
	}
}

// TestLevelKeysMeanThatLevelAndUp: Prosody's loggingmanager reads
// log = { info = "a.log", error = "b.log" } as levels = { min = level }:
// a.log gets info and everything more severe, b.log errors only.
func TestLevelKeysMeanThatLevelAndUp(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	l := logWith(t, `log = { info = "`+a+`"; error = "`+b+`" }`)
	l.Debug("d-line")
	l.Info("i-line")
	l.Warn("w-line")
	l.Error("e-line")
	if got := read(t, a); strings.Contains(got, "d-line") || !strings.Contains(got, "i-line") || !strings.Contains(got, "w-line") || !strings.Contains(got, "e-line") {
		t.Errorf("a.log must hold info, warn and error:\n%s", got)
	}
	if got := read(t, b); strings.Contains(got, "w-line") || !strings.Contains(got, "e-line") {
		t.Errorf("b.log must hold errors only:\n%s", got)
	}
}

// TestSyslogOutOfReach: no syslog daemon is a warning and the console
// stands in, at the sink's levels; it does not stop startup.
func TestSyslogOutOfReach(t *testing.T) {
	saved := dialSyslog
	t.Cleanup(func() { dialSyslog = saved })
	dialSyslog = func() (io.WriteCloser, error) { return nil, errors.New("Unix syslog delivery error") }
	for _, cfg := range []string{`log = "*syslog"`, `log = { warn = "*syslog" }`, `log = { { levels = { min = "warn" }, to = "syslog" } }`} {
		snap, _ := luaconfig.Evaluate("t.cfg.lua", []byte(cfg))
		s, err := Parse(snap.Value("*", "log"), "t.cfg.lua:1: log")
		if err != nil {
			t.Errorf("%s: %v; want the console instead", cfg, err)
			continue
		}
		s.Close()
		if len(s.Warnings) != 1 || s.Warnings[0] != "t.cfg.lua:1: log: cannot reach syslog (Unix syslog delivery error); logging to the console instead" {
			t.Errorf("%s: warnings %q", cfg, s.Warnings)
		}
		if len(s.sinks) != 1 || s.sinks[0].out != os.Stderr {
			t.Errorf("%s: sinks %+v, want the console", cfg, s.sinks)
		}
	}
	snap, _ := luaconfig.Evaluate("t.cfg.lua", []byte(`log = { warn = "*syslog" }`))
	s, _ := Parse(snap.Value("*", "log"), "t.cfg.lua:1: log")
	if s.Lowest() != logrus.WarnLevel {
		t.Errorf("the console standing in for syslog logs from %v, want warn", s.Lowest())
	}
}

// ParseDry names the log files without creating or writing them, and
// still refuses what Parse refuses.
func TestParseDryOpensNothing(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "new", "x.log")
	snap, err := luaconfig.Evaluate("t.cfg.lua", []byte("log = { info = \""+file+"\", { to = \"syslog\" } }\n"))
	if err != nil {
		t.Fatal(err)
	}
	o, _ := snap.Get("*", "log")
	var out strings.Builder
	s, err := ParseDry(o.Value, "log", &out)
	if err != nil {
		t.Fatal(err)
	}
	s.Redact([]string{"s3cret"})
	log := logrus.New()
	s.Install(log)
	log.Info("not shown")
	log.Error("shown, password s3cret")
	if got := out.String(); got != "level=error msg=\"shown, password [redacted]\"\n" {
		t.Errorf("the check's output: %q", got)
	}
	if err := s.Reopen(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := s.Files(); len(got) != 1 || got[0] != file {
		t.Errorf("files %v", got)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "its folder "+filepath.Dir(file)+" does not exist") {
		t.Errorf("warnings %q", s.Warnings)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("ParseDry made %v", entries)
	}
	if _, err := ParseDry("bogus.level.table", "log", nil); err != nil {
		t.Errorf("a file name is a destination: %v", err)
	}
	if _, err := ParseDry(float64(3), "log", nil); err == nil {
		t.Error("a number is not a destination")
	}
}
