package bridge

import (
	"testing"
)

// itemProvider adds a "thing" item at load and can take it back.
func itemProvider(version string) string {
	return `
local thing = { name = "t` + version + `", hello = function() return "hello from ` + version + `" end }
module:add_item("thing", thing)
function drop() return module:remove_item("thing", thing) == thing and "removed" or "not removed" end
function mine() return tostring(module:get_host_items("thing")[1] == thing) end
`
}

// itemConsumer logs what it sees added and removed, checking the table
// item-removed gives is the one item-added gave.
const itemConsumer = `
local seen, log = {}, {}
module:handle_items("thing", function(event)
	seen[event.item] = true
	log[#log + 1] = "+" .. event.item.name .. "(" .. event.item.hello() .. ")"
end, function(event)
	log[#log + 1] = (seen[event.item] and "-" or "-unknown ") .. event.item.name
	seen[event.item] = nil
end)
function show() return table.concat(log, " ") end
function count() return tostring(#module:get_host_items("thing")) end
`

// Items cross instances: existing ones on handle_items, new ones as
// item-added, removed ones as item-removed with the same table; the
// provider sees its own table.
func TestItemsAcrossInstances(t *testing.T) {
	tr := newTestRuntime(t, ``, map[string]string{"prov": itemProvider("1"), "cons": itemConsumer, "late": itemProvider("L")})
	prov := tr.load(t, "prov")
	cons := tr.load(t, "cons")
	late := tr.load(t, "late")
	if got, _ := callGlobal(prov, "mine"); got != "true" {
		t.Errorf("the provider's own item: %s", got)
	}
	if got, _ := callGlobal(cons, "count"); got != "2" {
		t.Errorf("get_host_items: %s", got)
	}
	if got, _ := callGlobal(prov, "drop"); got != "removed" {
		t.Errorf("remove_item: %s", got)
	}
	if got, _ := callGlobal(cons, "show"); got != "+t1(hello from 1) +tL(hello from L) -t1" {
		t.Errorf("the consumer saw %q", got)
	}
	tr.stopInstance(late)
	if got, _ := callGlobal(cons, "show"); got != "+t1(hello from 1) +tL(hello from L) -t1 -tL" {
		t.Errorf("after the provider stopped, the consumer saw %q", got)
	}
}

// A reload replacing the provider withdraws its items and adds the new
// one's once, at Commit; an aborted one changes nothing.
func TestItemsFollowAReload(t *testing.T) {
	cfg := `modules_enabled = { "prov", "cons" }`
	tr := newTestRuntime(t, cfg, map[string]string{"prov": itemProvider("1"), "cons": itemConsumer})
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	cons := tr.Primaries()[1]
	st, err := tr.Stage(evaluate(t, cfg), sourcesOf(map[string]string{"prov": itemProvider("2"), "cons": itemConsumer}))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := callGlobal(cons, "show"); got != "+t1(hello from 1)" {
		t.Errorf("while staged: %q", got)
	}
	st.Abort()
	if got, _ := callGlobal(cons, "show"); got != "+t1(hello from 1)" {
		t.Errorf("after Abort: %q", got)
	}
	st, err = tr.Stage(evaluate(t, cfg), sourcesOf(map[string]string{"prov": itemProvider("3"), "cons": itemConsumer}))
	if err != nil {
		t.Fatal(err)
	}
	st.Commit()
	if got, _ := callGlobal(cons, "show"); got != "+t1(hello from 1) -t1 +t3(hello from 3)" {
		t.Errorf("after Commit: %q", got)
	}
	if got, _ := callGlobal(cons, "count"); got != "1" {
		t.Errorf("items after Commit: %s", got)
	}
}

// module:provides adds an item of type <kind>-provider too.
func TestProvidesAddsAProviderItem(t *testing.T) {
	tr := newTestRuntime(t, ``, map[string]string{
		"auth_x": `module:provides("auth", { test = function() return "ok" end })`,
		"cons": `function find()
	local p = module:get_host_items("auth-provider")[1]
	return p.name .. " " .. p._provided_by .. " " .. p.test()
end`})
	tr.load(t, "auth_x")
	if got, err := callGlobal(tr.load(t, "cons"), "find"); got != "x auth_x ok" {
		t.Errorf("find: %q %v", got, err)
	}
}

// A module that handles items and then loads their provider with
// module:depends gets item-added and module-loaded while it is still
// loading: its state, held further up the same chain, runs them there
// and then instead of waiting for itself.
func TestItemsFromADependency(t *testing.T) {
	tr := newTestRuntime(t, ``, map[string]string{"prov": itemProvider("D"), "cons": itemConsumer + `
module:hook_global("module-loaded", function(e) loaded = (loaded or "") .. e.module end)
module:depends("prov")
function show_loaded() return tostring(loaded) end
`})
	cons := tr.load(t, "cons")
	if got, _ := callGlobal(cons, "show"); got != "+tD(hello from D)" {
		t.Errorf("the consumer saw %q", got)
	}
	if got, _ := callGlobal(cons, "show_loaded"); got != "provcons" {
		t.Errorf("module-loaded: %q", got)
	}
	if l := tr.log.lines("gave up"); len(l) > 0 {
		t.Errorf("a call waited: %q", l)
	}
}
