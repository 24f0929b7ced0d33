package bridge

import (
	"strings"
	"testing"
)

// A module that only declares features, identities and extensions loads
// (it is not XMPP-only); calling a method moonport lacks fails naming the
// method, file and line, while testing for it gives nil.
func TestDeclarationsAndMissingMethods(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"decl": `
module:add_feature("urn:xmpp:ping")
module:add_identity("server", "im", "moonport")
module:add_extension({})
function probe() return tostring(module.send) .. " " .. tostring(module.no_such_thing) end
function call_send()
	module:send({})
end
function call_other() local x = 1
	return module:no_such_thing()
end`})
	inst := tr.load(t, "decl")
	if got, err := callGlobal(inst, "probe"); got != "nil nil" || err != nil {
		t.Errorf("probe: %q %v", got, err)
	}
	_, err := callGlobal(inst, "call_send")
	if err == nil || !strings.Contains(err.Error(), "module:send() is not provided by moonport (XMPP stanza routing) at mods/mod_decl.lua:7") {
		t.Errorf("send: %v", err)
	}
	_, err = callGlobal(inst, "call_other")
	if err == nil || !strings.Contains(err.Error(), "module:no_such_thing() is not provided by moonport at mods/mod_decl.lua:10") {
		t.Errorf("other: %v", err)
	}
}
