package compat

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

var (
	tableFile = flag.String("compat.table", "", "TestDifferential writes the comparison table to this file")
	workDir   = flag.String("compat.work", "", "TestDifferential works in this folder and keeps it (default: a temporary one, removed)")
)

// suite is what every config's run shares.
type suite struct {
	work, certs, stubs, netns string
	hosts                     []host
}

// row is one config's line of the table.
type row struct {
	Config            suiteConfig
	Ran               bool
	Prosody, Moonport Outcome
	Result            string // "same", "expected", "different"
	Reason            string // the entry of ExpectedDifferences
}

// TestDifferential runs every config of testdata/configs in Prosody and in
// moonport and compares their listening sockets and running state.
func TestDifferential(t *testing.T) {
	s := newSuite(t)
	configs, err := loadConfigs("testdata/configs")
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]row, len(configs))
	t.Run("config", func(t *testing.T) {
		for i, c := range configs {
			t.Run(c.Name, func(t *testing.T) {
				t.Parallel()
				rows[i] = s.compare(t, c)
			})
		}
	})
	t.Log(summary(rows))
	if *tableFile != "" {
		if err := os.WriteFile(*tableFile, []byte(table(rows)+"\n"+summary(rows)+"\n"), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// newSuite checks what the suite needs, skipping (failing on CI) without
// it, and prepares the shared files: the moonport binary, the stubs, the
// certificates and netns.sh, in a folder the run user can read.
func newSuite(t *testing.T) *suite {
	NeedNamespaces(t)
	var err error
	s := &suite{work: *workDir}
	if s.work == "" {
		s.work, err = os.MkdirTemp("", "moonport-compat-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(s.work) })
	} else if err := os.MkdirAll(s.work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(s.work, 0o755); err != nil {
		t.Fatal(err)
	}
	s.certs, s.stubs = filepath.Join(s.work, "certs"), filepath.Join(s.work, "stubs")
	if err := writeCerts(s.certs); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", "testdata/stubs/.", s.stubs+"/").CombinedOutput(); err != nil {
		t.Fatalf("copying the stubs: %v: %s", err, out)
	}
	if s.netns, err = filepath.Abs("netns.sh"); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(s.work, "moonport")
	if out, err := exec.Command("cp", testenv.Binary(t), bin).CombinedOutput(); err != nil {
		t.Fatalf("copying the binary: %v: %s", err, out)
	}
	s.hosts = []host{
		{"prosody", func(cfg string) []string { return []string{"prosody", "--config", cfg, "-F"} }},
		{"moonport", func(cfg string) []string { return []string{bin, "run", "--config", cfg} }},
	}
	return s
}

// compare runs both hosts on c, at the same time, and judges the result.
func (s *suite) compare(t *testing.T, c suiteConfig) row {
	r := row{Config: c}
	if p := c.missing(); p != "" {
		t.Skipf("%s is not here", p)
	}
	if len(c.Occupy) > 0 {
		testenv.NeedTool(t, "nc", "netcat-openbsd")
	}
	runAs := RunUser
	if c.AsRoot {
		runAs = "root"
	}
	outs := make([]Outcome, len(s.hosts))
	errs := make([]error, len(s.hosts))
	var wg sync.WaitGroup
	for i, h := range s.hosts {
		wg.Go(func() {
			work := filepath.Join(s.work, c.Name, h.Name)
			wrapper, err := prepare(c, work, s.certs, s.stubs, runAs)
			if err == nil {
				outs[i], err = run(c, h, work, wrapper, s.netns, runAs)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	r.Ran, r.Prosody, r.Moonport = true, outs[0], outs[1]
	s.judge(t, &r)
	return r
}

// judge sets r.Result and fails the test for an unexpected difference, or
// for an expected one that is gone.
func (s *suite) judge(t *testing.T, r *row) {
	reason, listed := ExpectedDifferences[r.Config.Name]
	r.Reason = reason
	switch {
	case same(r.Prosody, r.Moonport) && listed:
		r.Result = "same"
		t.Errorf("%s: both hosts agree now; remove it from ExpectedDifferences (compat/differences.go: %q)", r.Config.Name, reason)
	case same(r.Prosody, r.Moonport):
		r.Result = "same"
	case listed:
		r.Result = "expected"
		t.Logf("%s: expected difference (%s)\n%s", r.Config.Name, reason, sideBySide(r.Prosody, r.Moonport))
	default:
		r.Result = "different"
		t.Errorf("%s (%s): moonport differs from Prosody\n%s\nprosody printed:\n%s\nmoonport printed:\n%s",
			r.Config.Name, r.Config.About, sideBySide(r.Prosody, r.Moonport), tail(r.Prosody.Output), tail(r.Moonport.Output))
	}
}

// checkTable fails the test for entries of ExpectedDifferences that name
// no config of the suite.
func checkTable(t *testing.T, configs []suiteConfig) {
	known := map[string]bool{}
	for _, c := range configs {
		known[c.Name] = true
	}
	for name := range ExpectedDifferences {
		if !known[name] {
			t.Errorf("compat/differences.go lists %q, which is no folder of testdata/configs", name)
		}
	}
}

// summary is the one-line result, counting the configs that ran.
func summary(rows []row) string {
	ran, identical, expected := 0, 0, 0
	for _, r := range rows {
		if !r.Ran {
			continue
		}
		ran++
		switch r.Result {
		case "same":
			identical++
		case "expected":
			expected++
		}
	}
	return fmt.Sprintf("compat: %d of %d configs identical (%d expected differences, %d unexpected)",
		identical, ran, expected, ran-identical-expected)
}

// tail is the end of a host's output file, for a failure message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = append([]string{"…"}, lines[len(lines)-20:]...)
	}
	return "  " + strings.Join(lines, "\n  ")
}
