package bridge

import "testing"

// The get_option family reads the module's host, then the global
// section, with Prosody's conversions; a value it cannot convert is
// logged with Prosody's message and read as nil.
func TestModuleOptions(t *testing.T) {
	tr := newTestRuntime(t, `
name = "global"
count = "42"
flag = "true"
one = { "only" }
list = { "a", "b" }
word = "x"
VirtualHost "example.com"
	name = "host"
`, map[string]string{"opt": `
function get(fn, name, default)
	local v = module[fn](module, name, default)
	if type(v) == "table" then return "{" .. table.concat(v, ",") .. "}" end
	return type(v) .. " " .. tostring(v)
end
`})
	inst, err := tr.Load("opt", "example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []any
		want string
	}{
		{[]any{"get_option", "name"}, "string host"},
		{[]any{"get_option", "count"}, "string 42"},
		{[]any{"get_option", "missing", "fallback"}, "string fallback"},
		{[]any{"get_option_scalar", "one"}, "string only"},
		{[]any{"get_option_scalar", "list"}, "nil nil"},
		{[]any{"get_option_string", "count"}, "string 42"},
		{[]any{"get_option_number", "count"}, "number 42"},
		{[]any{"get_option_number", "word"}, "nil nil"},
		{[]any{"get_option_boolean", "flag"}, "boolean true"},
		{[]any{"get_option_boolean", "word"}, "nil nil"},
		{[]any{"get_option_array", "word"}, "{x}"},
		{[]any{"get_option_array", "list"}, "{a,b}"},
		{[]any{"get_option_array", "missing"}, "nil nil"},
	} {
		if got, err := callGlobal(inst, "get", c.args...); err != nil || got != c.want {
			t.Errorf("module:%s(%q): %q %v, want %q", c.args[0], c.args[1:], got, err, c.want)
		}
	}
	for _, msg := range []string{
		"Config option 'list' does not take a list",
		"Config option 'word' not understood, expecting a number",
		"Config option 'word' not understood, expecting true/false",
	} {
		if len(tr.log.lines(msg)) == 0 {
			t.Errorf("no log line %q", msg)
		}
	}
}
