package compat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigs checks the suite's own data without running anything, so it
// holds on every machine: each config folder describes itself and parses,
// and ExpectedDifferences names only configs.
func TestConfigs(t *testing.T) {
	configs, err := loadConfigs("testdata/configs")
	if err != nil {
		t.Fatal(err)
	}
	if len(configs) < 30 {
		t.Errorf("the suite has %d configs, want at least 30", len(configs))
	}
	for _, c := range configs {
		if c.About == "" {
			t.Errorf("%s: no description line", c.Name)
		}
		// The wrapper sits beside the config; a wildcard Include of *.lua in
		// the config's own folder would include it too.
		b, _ := os.ReadFile(filepath.Join(c.Dir, configFile))
		if strings.Contains(string(b), `Include "*.lua"`) {
			t.Errorf("%s: includes *.lua from its own folder, which holds %s at run time", c.Name, wrapperFile)
		}
	}
	checkTable(t, configs)
}

func TestDirectives(t *testing.T) {
	var c suiteConfig
	for _, d := range []string{"occupy tcp 127.0.0.1 5222", "occupy tcp6 ::1 5269", "env A=b=c", "user root", "needs /etc/hosts"} {
		if err := c.directive(strings.Fields(d)); err != nil {
			t.Errorf("%q: %v", d, err)
		}
	}
	if len(c.Occupy) != 2 || c.Occupy[1] != (occupied{"tcp6", "::1", "5269"}) || c.Env[0] != "A=b=c" || !c.AsRoot || c.missing() != "" {
		t.Errorf("directives gave %+v", c)
	}
	for _, d := range []string{"", "occupy udp 127.0.0.1 53", "occupy tcp 127.0.0.1 http", "env NAME", "user nobody", "needs relative", "sleep 1"} {
		if err := c.directive(strings.Fields(d)); err == nil {
			t.Errorf("%q: accepted", d)
		}
	}
}

func TestParseOutcome(t *testing.T) {
	o, err := ParseOutcome("state running\nlisten tcp [::]:5222\nlisten tcp 0.0.0.0:5222\nsettled 1200\n", "out")
	if err != nil || !o.Running || !o.Settled || strings.Join(o.Sockets, ",") != "tcp 0.0.0.0:5222,tcp [::]:5222" {
		t.Errorf("got %+v, %v", o, err)
	}
	o, err = ParseOutcome("state exited 1\nsettled no\n", "out")
	if err != nil || o.Running || o.State() != "exited 1" {
		t.Errorf("got %+v, %v", o, err)
	}
	if _, err := ParseOutcome("settled no\n", "out"); err == nil {
		t.Error("a report without a state was accepted")
	}
}

func TestSideBySide(t *testing.T) {
	p := Outcome{Running: true, Settled: true, Sockets: []string{"tcp 0.0.0.0:5222", "tcp 0.0.0.0:5269"}}
	m := Outcome{Running: true, Settled: true, Sockets: []string{"tcp 0.0.0.0:5222", "tcp 192.0.2.1:5222"}}
	want := "" +
		"  PROSODY            MOONPORT\n" +
		"  running            running\n" +
		"  tcp 0.0.0.0:5222   tcp 0.0.0.0:5222\n" +
		"  tcp 0.0.0.0:5269   -\n" +
		"  -                  tcp 192.0.2.1:5222\n"
	if got := sideBySide(p, m); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if same(p, m) || !same(p, p) {
		t.Error("same() is wrong")
	}
}
