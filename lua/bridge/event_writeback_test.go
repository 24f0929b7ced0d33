package bridge

import "testing"

// A handler in another state answers an event by setting top-level fields
// of its data (user-registering's allowed and reason, as mod_mimicking
// does): the firing module, and the handlers after it, see them; fields
// it removes are gone; a change inside a nested table stays its own.
func TestEventDataWrittenBack(t *testing.T) {
	tr := newTestRuntime(t, `VirtualHost "example.com"`, map[string]string{
		"reg": `
function fire()
	local ev = { username = "alice", allowed = true, drop = "x", nested = { n = 1 }, count = 1 }
	module:fire_event("user-registering", ev)
	return table.concat({ tostring(ev.allowed), tostring(ev.reason), tostring(ev.drop),
		tostring(ev.nested.n), tostring(ev.count), tostring(ev.username) }, " ")
end`,
		"deny": `module:hook("user-registering", function(event)
	event.allowed = false
	event.reason = "looks like " .. event.username
	event.drop = nil
	event.nested.n = 2
	event.count = event.count + 1
end, 10)`,
		"later": `module:hook("user-registering", function(event)
	module:shared("/test/seen").v = tostring(event.allowed) .. " " .. tostring(event.reason) .. " " .. tostring(event.drop)
	event.count = event.count + 1
end, 1)`,
	})
	var reg *Instance
	for _, name := range []string{"reg", "deny", "later"} {
		inst, err := tr.Load(name, "example.com")
		if err != nil {
			t.Fatal(err)
		}
		if name == "reg" {
			reg = inst
		}
	}
	if got, err := callGlobal(reg, "fire"); got != "false looks like alice nil 1 3 alice" || err != nil {
		t.Errorf("the firer sees %q %v, want %q", got, err, "false looks like alice nil 1 3 alice")
	}
	if got := tr.shared.table("/test/seen").get("v"); got != "false looks like alice nil" {
		t.Errorf("the later handler saw %q", got)
	}
}
