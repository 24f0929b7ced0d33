package logging

import (
	"encoding/json"
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
