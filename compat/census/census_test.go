package census

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/moonport/moonport/compat"
	"github.com/moonport/moonport/internal/testenv"
)

var (
	writeFlag   = flag.Bool("census.write", false, "TestCensus rewrites docs/prosody-modules.md and testdata/baseline.txt")
	modulesFlag = flag.String("census.modules", "", "TestCensus takes only these modules (comma-separated), and writes nothing")
	workFlag    = flag.String("census.work", "", "TestCensus works in this folder and keeps it (default: a temporary one, removed)")
)

const (
	docFile      = "../../docs/prosody-modules.md"
	baselineFile = "testdata/baseline.txt"
	// parallel is how many host runs (each in its own namespaces) go at once:
	// a run mostly waits for its host to settle.
	parallel = 8
)

// census is what every module's measurement shares.
type census struct {
	work, bin, netns, probe string
	isolated                bool // check config runs in namespaces too
}

// result is one module's row.
type result struct {
	Module          module
	Routing         bool
	RoutingWhy      string
	MoonportLoads   bool
	MoonportFailure string
	HostsRan        bool // Prosody ran it (root, namespaces)
	ProsodyLoads    bool
	ProsodyFailure  string
	Exercised       string // the probe's targets, "" when Prosody served nothing
	Answer          string // "same", "differs: …", "moonport did not load it"
}

// TestCensus loads every module file of Debian's prosody and
// prosody-modules in moonport (check config) and, as root, in Prosody and
// exercises what each serves in both hosts. It fails when a module the
// baseline says moonport loads, or answers as Prosody, no longer does.
func TestCensus(t *testing.T) {
	mods := needModules(t)
	c := newCensus(t)
	results := make([]result, len(mods))
	why := routing(mods)
	forEach(len(mods), func(i int) {
		results[i] = c.loadInMoonport(t, mods[i])
		results[i].RoutingWhy, results[i].Routing = why[mods[i].Name], why[mods[i].Name] != ""
	})
	hosts := t.Run("hosts", func(t *testing.T) {
		compat.NeedNamespaces(t)
		testenv.NeedTool(t, "curl", "curl")
		testenv.NeedTool(t, "nc", "netcat-openbsd")
		forEach(len(mods), func(i int) {
			c.runInHosts(t, &results[i])
		})
		checkKnown(t, results)
	})
	base, err := readBaseline(baselineFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		checkAgainst(t, base, r)
	}
	t.Log(summary(results))
	if !*writeFlag || *modulesFlag != "" {
		return
	}
	if !hosts || !results[0].HostsRan {
		t.Fatal("-census.write needs the hosts subtest to run (root, prosody, util-linux, iproute2, curl, netcat-openbsd)")
	}
	if err := os.WriteFile(docFile, []byte(report(results)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(baselineFile, []byte(baseline(results)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// known are what Prosody 0.12.3 itself does with modules it ships, which the
// census must find, or its reading of Prosody is broken.
var known = map[string]struct {
	loads     bool
	exercised string
}{
	"http_files": {true, "http /files\nhttp /files/census-missing"},
	"proxy65":    {true, "tcp 127.0.0.1 5000\ntcp ::1 5000"},
	"muc":        {true, ""},
	"component":  {false, ""}, // "Don't load mod_component manually"
}

// checkKnown fails t when the census says of a module of known other than
// what Prosody does.
func checkKnown(t *testing.T, results []result) {
	for _, r := range results {
		k, ok := known[r.Module.Name]
		if !ok || !r.HostsRan {
			continue
		}
		if r.ProsodyLoads != k.loads || r.Exercised != k.exercised {
			t.Errorf("mod_%s: the census says Prosody loads it %v (%s) and serves %q; Prosody 0.12.3 loads it %v and serves %q",
				r.Module.Name, r.ProsodyLoads, r.ProsodyFailure, r.Exercised, k.loads, k.exercised)
		}
	}
}

// needModules lists the installed module files, skipping (failing on CI)
// where the packages are not installed.
func needModules(t *testing.T) []module {
	testenv.NeedTool(t, "dpkg", "dpkg")
	for _, p := range packages {
		if err := exec.Command("dpkg", "-s", p).Run(); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("the census needs the Debian package %s (.ci/run installs it)", p)
			}
			t.Skipf("the census needs the Debian package %s: apt-get install %s", p, p)
		}
	}
	mods, err := installedModules()
	if err != nil {
		t.Fatal(err)
	}
	if *modulesFlag == "" {
		return mods
	}
	var only []module
	for _, m := range mods {
		if strings.Contains(","+*modulesFlag+",", ","+m.Name+",") {
			only = append(only, m)
		}
	}
	if len(only) == 0 {
		t.Fatalf("-census.modules %q names no installed module", *modulesFlag)
	}
	return only
}

// newCensus prepares the work folder (readable by the run user) with a
// copy of the moonport binary, netns.sh and probe.sh.
func newCensus(t *testing.T) *census {
	c := &census{work: *workFlag}
	var err error
	if c.work == "" {
		if c.work, err = os.MkdirTemp("", "moonport-census-"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(c.work) })
	} else if err := os.MkdirAll(c.work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(c.work, 0o755); err != nil {
		t.Fatal(err)
	}
	c.bin = filepath.Join(c.work, "moonport")
	if out, err := exec.Command("cp", testenv.Binary(t), c.bin).CombinedOutput(); err != nil {
		t.Fatalf("copying the binary: %v: %s", err, out)
	}
	if c.netns, err = filepath.Abs("../netns.sh"); err != nil {
		t.Fatal(err)
	}
	if c.probe, err = filepath.Abs("probe.sh"); err != nil {
		t.Fatal(err)
	}
	c.isolated = compat.NamespaceProblem() == ""
	return c
}

// forEach calls f(0) … f(n-1), parallel at a time.
func forEach(n int, f func(int)) {
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			f(i)
		})
	}
	wg.Wait()
}

// loadInMoonport loads the module in moonport.
func (c *census) loadInMoonport(t *testing.T, m module) result {
	r := result{Module: m}
	cfg, err := writeConfig(filepath.Join(c.work, m.Name), m)
	if err == nil {
		r.MoonportLoads, r.MoonportFailure, err = c.moonportCheck(cfg, m.Name)
	}
	if err != nil {
		t.Error(err)
	}
	return r
}

// runInHosts runs the module in Prosody and, when Prosody served
// something and moonport loads it, in moonport, asking both the same.
func (c *census) runInHosts(t *testing.T, r *result) {
	name := r.Module.Name
	// A kept work folder (-census.work) may hold an earlier run's files.
	os.RemoveAll(filepath.Join(c.work, name, "prosody"))
	os.RemoveAll(filepath.Join(c.work, name, "moonport"))
	work := filepath.Join(c.work, name, "prosody")
	cfg, err := writeConfig(work, r.Module)
	if err != nil {
		t.Error(err)
		return
	}
	p, err := c.runHost(work, []string{"prosody", "--config", cfg, "-F"}, "")
	if err != nil {
		t.Errorf("prosody on %s: %v", name, err)
		return
	}
	r.HostsRan = true
	r.ProsodyFailure = prosodyFailure(p.Out, name)
	if r.ProsodyFailure == "" && !p.Outcome.Running {
		r.ProsodyFailure = "Prosody " + p.Outcome.State()
	}
	r.ProsodyLoads = r.ProsodyFailure == ""
	if !r.ProsodyLoads {
		return
	}
	if r.Exercised = strings.TrimSpace(p.Targets); r.Exercised == "" {
		return
	}
	if !r.MoonportLoads {
		r.Answer = "moonport did not load it"
		return
	}
	work = filepath.Join(c.work, name, "moonport")
	if cfg, err = writeConfig(work, r.Module); err == nil {
		var m hostRun
		if m, err = c.runHost(work, []string{c.bin, "run", "--config", cfg}, p.Targets); err == nil {
			r.Answer = compareAnswers(p.Probe, m.Probe)
		}
	}
	if err != nil {
		t.Errorf("moonport on %s: %v", name, err)
	}
}

// compareAnswers is "same" when both hosts answered every target alike,
// else the first target they differ on.
func compareAnswers(prosody, moonport string) string {
	pl, ml := strings.Split(strings.TrimSpace(prosody), "\n"), strings.Split(strings.TrimSpace(moonport), "\n")
	for i, p := range pl {
		m := "(no answer)"
		if i < len(ml) {
			m = ml[i]
		}
		if p != m {
			target, pa, _ := strings.Cut(p, " -> ")
			_, ma, _ := strings.Cut(m, " -> ")
			return "differs: " + target + ": Prosody " + pa + ", moonport " + ma
		}
	}
	return "same"
}
