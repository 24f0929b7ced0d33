package bridge

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// recordingAdmin answers every call at once and passes its name and
// arguments to the test.
type recordingAdmin struct{ calls chan string }

func (a *recordingAdmin) Waits(string) bool { return false }

func (a *recordingAdmin) Call(name string, args []any) (any, error) {
	a.calls <- fmt.Sprintf("%s %v", name, args)
	return nil, nil
}

const globalsModule = `
function describe()
	local h = hosts["a.example"]
	local mods = {}
	for name in pairs(h.modules) do mods[#mods + 1] = name end
	table.sort(mods)
	return table.concat({ prosody.version, prosody.platform, prosody.process_type,
		tostring(prosody.hosts == hosts), h.host, h.type, hosts["c.example"].type, tostring(hosts["*"]),
		table.concat(mods, ","), tostring(h.modules.g == _G), tostring(h.modules.other and h.modules.other.module.path),
		type(prosody.start_time), tostring(rawget(_G, "hosts")) }, " ")
end
function started() return string.format("%.0f", prosody.start_time) end
function paths() return prosody.paths.config .. " " .. prosody.paths.plugins end
function say() log("warn", "from %s and %s", "global log") end
function stop() prosody.lock_globals(); prosody.shutdown("enough"); prosody.unlock_globals() end
function reload() return tostring(prosody.reload_config()) end
`

// prosody and hosts describe the server and its hosts as Prosody's do;
// hosts follows modules that load later; log is Prosody's global log;
// shutdown and reload_config go to the host's admin interface.
func TestGlobals(t *testing.T) {
	tr := newTestRuntime(t, "VirtualHost \"a.example\"\nComponent \"c.example\" \"other\"\n",
		map[string]string{"g": globalsModule, "other": `x = 1`})
	admin := &recordingAdmin{calls: make(chan string, 4)}
	tr.SetAdmin(admin)
	tr.SetServerInfo(ServerInfo{Version: "1.2.3"})
	g, err := tr.Load("g", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	want := "0.12 (moonport 1.2.3) posix prosody true a.example local component nil g true nil nil nil"
	if got, err := callGlobal(g, "describe"); got != want || err != nil {
		t.Errorf("describe:\n got %q %v\nwant %q", got, err, want)
	}
	if _, err := tr.Load("other", "a.example"); err != nil {
		t.Fatal(err)
	}
	tr.MarkStarted(time.Unix(1700000000, 0))
	want = "0.12 (moonport 1.2.3) posix prosody true a.example local component nil g,other true mods/mod_other.lua number nil"
	if got, err := callGlobal(g, "describe"); got != want || err != nil {
		t.Errorf("after loading other:\n got %q %v\nwant %q", got, err, want)
	}
	if got, _ := callGlobal(g, "started"); got != "1700000000" {
		t.Errorf("start_time %s", got)
	}
	if got, _ := callGlobal(g, "paths"); !strings.HasSuffix(got, " mods") || !strings.HasPrefix(got, "/") {
		t.Errorf("paths: %q", got)
	}
	callGlobal(g, "say")
	if line := tr.log.wait(t, "from global log and nil"); !strings.Contains(line, "level=warn") || !strings.Contains(line, "module=g") {
		t.Errorf("log line %q", line)
	}
	callGlobal(g, "stop")
	if got := <-admin.calls; got != "shutdown [enough]" {
		t.Errorf("shutdown called %s", got)
	}
	if got, _ := callGlobal(g, "reload"); got != "true" {
		t.Errorf("reload_config returned %s", got)
	}
	select {
	case got := <-admin.calls:
		if got != "reload []" {
			t.Errorf("reload_config called %s", got)
		}
	case <-time.After(5 * time.Second):
		t.Error("reload_config did not reload")
	}
}

// A module that keeps hosts in a local finds a host a reload added (a
// lookup that misses brings the table up to date), and from then on no
// longer the hosts the reload removed.
func TestHostsAfterReload(t *testing.T) {
	src := `module:set_global()
local h = hosts
function has(name) return tostring(h[name] ~= nil) .. " " .. tostring(hosts[name] ~= nil) end`
	tr := newTestRuntime(t, "modules_enabled = { \"k\" }\nVirtualHost \"a.example\"\n", map[string]string{"k": src})
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	inst := tr.Primaries()[0]
	if got, _ := callGlobal(inst, "has", "b.example"); got != "false false" {
		t.Errorf("before: %s", got)
	}
	st, err := tr.Stage(evaluate(t, "modules_enabled = { \"k\" }\nVirtualHost \"b.example\"\n"), sourcesOf(map[string]string{"k": src}))
	if err != nil {
		t.Fatal(err)
	}
	st.Commit()
	if tr.Primaries()[0] != inst {
		t.Fatal("the unchanged module got a new instance")
	}
	if got, _ := callGlobal(inst, "has", "b.example"); got != "true true" {
		t.Errorf("new host: %s", got)
	}
	if got, _ := callGlobal(inst, "has", "a.example"); got != "false false" {
		t.Errorf("removed host: %s", got)
	}
}
