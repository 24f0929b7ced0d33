package bridge

import "testing"

const inheritedModule = `
function sets(name, default)
	local out = {}
	if default == "LIST" then default = { "d" } end
	local s = module:get_option_inherited_set(name, default)
	if s == nil then return "nil" end
	for _, n in ipairs({ "a", "b", "c", "d" }) do
		if s:contains(n) then out[#out + 1] = n end
	end
	return table.concat(out, ",")
end
function path(name, default, parent) return tostring(module:get_option_path(name, default, parent)) end
`

func TestGetOptionInheritedSetAndPath(t *testing.T) {
	tr := newTestRuntime(t, noAutoload+`modules_enabled = { "a", "b" }
data_path = "/srv/data"
rel = "x/y"
abs = "/etc/z"
dot = ".//w"
VirtualHost "example.com"
modules_enabled = { "c", "inh" }
`, map[string]string{"inh": inheritedModule})
	if err := tr.LoadAll(); err != nil {
		t.Fatal(err)
	}
	inst := tr.loadedModule("example.com", "inh")
	for _, c := range []struct {
		fn   string
		args []any
		want string
	}{
		{"sets", []any{"modules_enabled"}, "a,b,c"},
		{"sets", []any{"nothing"}, "nil"},
		{"sets", []any{"nothing", "LIST"}, "d"},
		{"path", []any{"rel"}, "mods/x/y"},
		{"path", []any{"rel", nil, "data"}, "/srv/data/x/y"},
		{"path", []any{"rel", nil, "/opt/"}, "/opt/x/y"},
		{"path", []any{"abs", nil, "data"}, "/etc/z"},
		{"path", []any{"dot", nil, "config"}, "./w"},
		{"path", []any{"unset", "d.txt", "data"}, "/srv/data/d.txt"},
		{"path", []any{"unset"}, "nil"},
		{"path", []any{"pidfile", "p.pid", "data"}, "/srv/data/p.pid"},
	} {
		if got, err := callGlobal(inst, c.fn, c.args...); err != nil || got != c.want {
			t.Errorf("%s%v = %q %v, want %q", c.fn, c.args, got, err, c.want)
		}
	}
}
