package bridge

import (
	"sync"
	"testing"
)

// A path names one table, whoever asks; values are set, replaced and
// deleted with nil; goroutines may use it at once.
func TestSharedStore(t *testing.T) {
	s := newSharedStore()
	a, b := s.table("/h/m/x"), s.table("/h/m/x")
	a.set("k", "v")
	if got := b.get("k"); got != "v" {
		t.Errorf("the same path read %v", got)
	}
	if got := s.table("/h/m/y").get("k"); got != nil {
		t.Errorf("another path read %v", got)
	}
	a.set("k", nil)
	if _, still := s.tables["/h/m/x"]["k"]; still {
		t.Error("setting nil kept the key")
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tab := s.table("/race")
			for i := 0; i < 200; i++ {
				tab.set("n", float64(i))
				_ = tab.get("n")
			}
		}()
	}
	wg.Wait()
}

const sharedModule = `
local mine = module:shared("counters")
local absolute = module:shared("/*/a/counters")
function put(v) mine.value = v end
function get() return tostring(absolute.value) end
function put_table() mine.t = { 1, 2, x = "y" }; local t = mine.t; t[1] = 99; return mine.t[1] .. mine.t.x end
local calls = 0
function put_function() mine.f = { run = function(x) calls = calls + 1; return x .. " run in " .. module.name .. " " .. calls end } end
function call_function() return absolute.f.run("b's call") end
`

// module:shared is the same table in every state: a relative path is
// under the module's own /host/module/; values are copied, functions
// in them run in the state that stored them.
func TestModuleShared(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"a": sharedModule, "b": sharedModule})
	a, b := tr.load(t, "a"), tr.load(t, "b")
	if _, err := callGlobal(a, "put", "from a"); err != nil {
		t.Fatal(err)
	}
	if got, _ := callGlobal(b, "get"); got != "from a" {
		t.Errorf("b read /*/a/counters as %q", got)
	}
	if got, _ := callGlobal(a, "get"); got != "from a" {
		t.Errorf("a read its own counters as %q", got)
	}
	if got, err := callGlobal(a, "put_table"); err != nil || got != "1y" {
		t.Errorf("a table is copied in and out: %q %v", got, err)
	}
	if _, err := callGlobal(a, "put_function"); err != nil {
		t.Fatal(err)
	}
	if got, err := callGlobal(b, "call_function"); got != "b's call run in a 1" {
		t.Errorf("a function stored in a shared table, called from b: %q %v", got, err)
	}
}
