package bridge

import (
	"runtime"
	"strings"
	"testing"
)

// workersModule provides two services a and b; set is the module's
// set_workers call (or nothing), bField b's workers field.
func workersModule(set, bField string) string {
	return set + `
local l = { onincoming = function(conn, data) conn:write(data) end }
module:provides("net", { name = "a", default_port = 1, listener = l })
module:provides("net", { name = "b", default_port = 2, listener = l` + bField + ` })
`
}

// TestSetWorkersPrecedence: the operator's <service>_workers, then the
// item's workers, then module:set_workers, then 1 — per service; the
// module gets as many copies as the most asked for, and a service asking
// for fewer is served by that many.
func TestSetWorkersPrecedence(t *testing.T) {
	auto := runtime.GOMAXPROCS(0)
	for _, c := range []struct {
		name, cfg, set, bField, after string
		a, b, copies                  int
	}{
		{"none", ``, ``, ``, ``, 1, 1, 0},
		{"set_workers", ``, `module:set_workers(3)`, ``, ``, 3, 3, 2},
		{"set_workers auto", ``, `module:set_workers("auto")`, ``, ``, auto, auto, auto - 1},
		{"after provides", ``, ``, ``, `module:set_workers("2")`, 2, 2, 1},
		{"item wins", ``, `module:set_workers(3)`, `, workers = 2`, ``, 3, 2, 2},
		{"operator wins", `b_workers = 1`, `module:set_workers(3)`, `, workers = 2`, ``, 3, 1, 2},
		{"operator raises", `a_workers = 4`, `module:set_workers(2)`, ``, ``, 4, 2, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := workersModule(c.set, c.bField) + c.after
			tr := newTestRuntime(t, c.cfg+"\nmodules_enabled = { \"w\" }", map[string]string{"w": src})
			if err := tr.LoadAll(); err != nil {
				t.Fatal(err)
			}
			inst := tr.loadedModule("*", "w")
			if inst == nil {
				t.Fatal("w not loaded")
			}
			if got := len(inst.Copies()); got != c.copies {
				t.Errorf("copies %d, want %d", got, c.copies)
			}
			for name, want := range map[string]int{"a": c.a, "b": c.b} {
				s := tr.Service(name)
				if s.Workers != want || len(s.handlers) != want {
					t.Errorf("%s: workers %d with %d handlers, want %d", name, s.Workers, len(s.handlers), want)
				}
			}
		})
	}
}

// TestSetWorkersBadValue: the same rule and wording as the item field.
func TestSetWorkersBadValue(t *testing.T) {
	for _, v := range []string{`0`, `"many"`, `1.5`, `257`, `{}`} {
		tr := newTestRuntime(t, `strict_modules = true; modules_enabled = { "w" }`,
			map[string]string{"w": workersModule("module:set_workers("+v+")", "")})
		err := tr.LoadAll()
		if err == nil || !strings.Contains(err.Error(), "module:set_workers(") ||
			!strings.Contains(err.Error(), `expected "auto" or a whole number from 1 to 256`) ||
			!strings.Contains(err.Error(), "mod_w.lua:1") {
			t.Errorf("set_workers(%s): %v", v, err)
		}
	}
}

// TestSetWorkersHTTP: set_workers applies to HTTP routes too, and the
// operator's <module>_workers overrides it there.
func TestSetWorkersHTTP(t *testing.T) {
	src := `module:set_workers(3)
module:provides("http", { route = { ["GET /"] = "hi" } })`
	for cfg, want := range map[string]int{``: 3, `h_workers = 2`: 2} {
		cfg = "strict_modules = true\n" + cfg
		tr := newTestRuntime(t, cfg+"\nmodules_enabled = { \"h\" }", map[string]string{"h": src, "http": ""})
		if err := tr.LoadAll(); err != nil {
			t.Fatal(err)
		}
		if got := len(tr.loadedModule("*", "h").Copies()) + 1; got != want {
			t.Errorf("%q: %d instances, want %d", cfg, got, want)
		}
	}
}
