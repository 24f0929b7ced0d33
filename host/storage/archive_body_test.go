package storage

import (
	"strings"
	"testing"

	"github.com/moonport/moonport/host/value"
	"github.com/moonport/moonport/internal/testenv"
)

// el is a preserialised element: name, attributes (pairs) and children.
func el(name string, attrs []string, children ...any) *value.Table {
	attr := &value.Table{Hash: map[any]any{}}
	for i := 0; i+1 < len(attrs); i += 2 {
		attr.Hash[attrs[i]] = attrs[i+1]
	}
	return &value.Table{Array: children, Hash: map[any]any{"name": name, "attr": attr}}
}

// childText answers as util.stanza's get_child_text("body") on the same
// elements: the first body in the parent's namespace or none, its text
// only when it holds no element.
func TestChildTextAsProsodys(t *testing.T) {
	client := []string{"xmlns", "jabber:client"}
	cases := []struct {
		lua  string
		tree *value.Table
	}{
		{`st.message({ xmlns = "jabber:client" }):tag("body"):text("hi"):up()`,
			el("message", client, el("body", nil, "hi"))},
		{`st.message({ xmlns = "jabber:client" }):tag("body", { xmlns = "jabber:client" }):text("a"):text("b"):up()`,
			el("message", client, el("body", client, "a", "b"))},
		{`st.message({ xmlns = "jabber:client" }):tag("body", { xmlns = "urn:x" }):text("no"):up():tag("body"):text("yes"):up()`,
			el("message", client, el("body", []string{"xmlns", "urn:x"}, "no"), el("body", nil, "yes"))},
		{`st.message():tag("body"):text("x"):tag("b"):text("y"):up():up()`,
			el("message", nil, el("body", nil, "x", el("b", nil, "y")))},
		{`st.message():tag("subject"):text("s"):up()`,
			el("message", nil, el("subject", nil, "s"))},
		{`st.message():tag("body"):up()`,
			el("message", nil, el("body", nil))},
	}
	var snippets []string
	for _, c := range cases {
		snippets = append(snippets, `local st = require "util.stanza"
local text = (`+c.lua+`):get_child_text("body")
return text == nil and "<nil>" or text`)
	}
	want := testenv.ProsodyLuaCases(t, snippets...)
	for i, c := range cases {
		text, ok := childText(c.tree, "body")
		if !ok {
			text = "<nil>"
		}
		if text != want[i] {
			t.Errorf("%s: moonport %q, Prosody %q", c.lua, text, want[i])
		}
	}
	if got := strings.Join(want, "|"); got != "hi|ab|yes|<nil>|<nil>|" {
		t.Errorf("Prosody's answers are not what this test expects: %q", got)
	}
}
