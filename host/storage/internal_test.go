package storage

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/moonport/moonport/host/value"
	"github.com/moonport/moonport/internal/testenv"
)

// The internal driver keeps what the memory one does, in files, so a
// new driver on the same folder (a restart) sees it.
func TestInternalKeyvalAndMap(t *testing.T) {
	dir := t.TempDir()
	d := &Internal{Dir: func() string { return dir }}
	s, _ := d.Open("a.example", "visits")
	if err := s.Set("", 3.0); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("alice", &value.Table{Hash: map[any]any{"n": 1.0}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetKeys("bob", map[string]any{"a": "x", "b": true}); err != nil {
		t.Fatal(err)
	}
	s.SetKeys("bob", map[string]any{"b": nil})
	if err := s.SetKeys("", map[string]any{"k": 1.0}); err == nil {
		t.Error("SetKeys on a number did not fail")
	}
	if err := s.Set("carol", &value.Table{Hash: map[any]any{"f": func() {}}}); err == nil {
		t.Error("a function was stored")
	}
	again, _ := (&Internal{Dir: func() string { return dir }}).Open("a.example", "visits")
	users, _ := again.Users()
	sort.Strings(users)
	if !reflect.DeepEqual(users, []string{"", "alice", "bob"}) {
		t.Errorf("users %q", users)
	}
	if v, _ := again.Get(""); v != 3.0 {
		t.Errorf("host's own: %v", v)
	}
	if v, _ := again.GetKey("bob", "a"); v != "x" {
		t.Errorf("bob's a: %v", v)
	}
	if v, _ := again.Get("bob"); value.Format(v) != `{ a = "x" }` {
		t.Errorf("bob: %s", value.Format(v))
	}
	s.SetKeys("bob", map[string]any{"a": nil})
	if users, _ := again.Users(); len(users) != 2 {
		t.Errorf("an emptied table stayed: %q", users)
	}
}

// Prosody's own storage "internal" (mod_storage_internal through its
// storagemanager is XMPP-bound; its datamanager is what it uses) reads
// what this driver wrote, and the other way round.
func TestInternalSharedWithProsody(t *testing.T) {
	dir := t.TempDir()
	d := &Internal{Dir: func() string { return dir }}
	s, _ := d.Open("a.example", "invite_token")
	s.SetKeys("tok", map[string]any{"expires": 5.0, "type": "register"})
	out := testenv.ProsodyLua(t, fmt.Sprintf(`local dm = require "util.datamanager"; dm.set_data_path(%q)
		local t = dm.load("tok", "a.example", "invite_token")
		io.write(t.type, " ", math.floor(t.expires))
		assert(dm.store("tok2", "a.example", "invite_token", { type = "roster" }))`, dir))
	if strings.TrimSpace(out) != "register 5" {
		t.Errorf("Prosody read %q", out)
	}
	if v, err := s.GetKey("tok2", "type"); v != "roster" {
		t.Errorf("moonport read %v (%v)", v, err)
	}
}
