package bridge

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/config/luaconfig"
	"github.com/moonport/moonport/host/listen"
	"github.com/sirupsen/logrus"
	lua "github.com/yuin/gopher-lua"
)

// logBuffer collects log lines; safe for the goroutines that log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines lists the logged lines that contain every one of want.
func (b *logBuffer) lines(want ...string) []string {
	var out []string
	for _, l := range strings.Split(b.String(), "\n") {
		ok := l != ""
		for _, w := range want {
			ok = ok && strings.Contains(l, w)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

// wait waits until a logged line contains every one of want.
func (b *logBuffer) wait(t *testing.T, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if l := b.lines(want...); len(l) > 0 {
			return l[0]
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no log line with %q; log:\n%s", want, b.String())
	return ""
}

// testRuntime is a runtime whose modules come from a map (name -> source,
// each found as mods/mod_NAME.lua) and whose log is kept for the test.
type testRuntime struct {
	*Runtime
	log *logBuffer
}

// newTestRuntime makes a test runtime; with may set more options.
func newTestRuntime(t testing.TB, cfg string, modules map[string]string, with ...func(*Options)) *testRuntime {
	t.Helper()
	if !strings.Contains(cfg, "lua_timeout") {
		// Not the default 1 s: the budget is wall time, and a loaded
		// machine under -race stretched heavy snippets (stringprep over
		// every profile) past it. Tests of the budget set their own; this
		// bound only ends a snippet that hangs. On the first line, so the
		// config's own lines keep their numbers.
		cfg = "lua_timeout = 120; " + cfg
	}
	snap := evaluate(t, cfg)
	buf := &logBuffer{}
	log := logrus.New()
	log.SetOutput(buf)
	log.SetLevel(logrus.DebugLevel)
	opts := Options{Log: log, Config: snap, Sources: sourcesOf(modules)}
	for _, w := range with {
		w(&opts)
	}
	rt := New(opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
	})
	return &testRuntime{Runtime: rt, log: buf}
}

// newServedRuntime is a test runtime with a listen.Server, for tests that
// open sockets for its services through a pool; it gives the server too.
func newServedRuntime(t *testing.T, cfg string, modules map[string]string) (*testRuntime, *listen.Server) {
	t.Helper()
	var srv *listen.Server
	tr := newTestRuntime(t, cfg, modules, func(o *Options) {
		srv = listen.NewServer(o.Log)
		o.Server = srv
	})
	return tr, srv
}

// sourcesOf is a module folder holding modules (name -> source), each as
// mods/mod_NAME.lua.
func sourcesOf(modules map[string]string) []Source {
	files := fstest.MapFS{}
	for name, src := range modules {
		files["mod_"+name+".lua"] = &fstest.MapFile{Data: []byte(src)}
	}
	return []Source{{Label: "mods", FS: files}}
}

// evaluate evaluates a config for a test. Without a data_path of its
// own, the data folder is the test's (the same for each config it
// evaluates), so what modules store never lands in the source tree.
func evaluate(t testing.TB, cfg string) *config.Snapshot {
	t.Helper()
	snap, err := luaconfig.Evaluate("test.cfg.lua", []byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Options != nil && snap.Options.DataPath == "" {
		dir, _ := testDataDirs.LoadOrStore(t, t.TempDir())
		snap.Options.DataPath = dir.(string)
	}
	return snap
}

// testDataDirs are the data folders of the tests, by test.
var testDataDirs sync.Map

// load loads a module on the global host.
func (tr *testRuntime) load(t testing.TB, name string) *Instance {
	t.Helper()
	inst, err := tr.Load(name, "*")
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// callGlobal runs the module's global function name as a callback and
// returns its first result and the error the callback ended with.
func callGlobal(inst *Instance, name string, args ...any) (string, error) {
	var out string
	var err error
	inst.call(func() {
		var lvs []lua.LValue
		for _, a := range args {
			lvs = append(lvs, toLua(inst.L, a))
		}
		var res []lua.LValue
		res, err = inst.protect(name, inst.L.GetGlobal(name), 1, lvs...)
		if err == nil && len(res) > 0 {
			out = lua.LVAsString(res[0])
		}
	})
	return out, err
}
