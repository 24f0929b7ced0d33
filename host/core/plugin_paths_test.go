package core

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/moonport/moonport/host/config/luaconfig"
	"github.com/moonport/moonport/lua/bridge"
)

// A module in plugin_paths comes before a shipped one of the same name,
// as Prosody searches its plugin_paths first: plugin_paths = {
// "/usr/lib/prosody/modules" } runs Prosody's own mod_http.
func TestPluginPathsBeforeShipped(t *testing.T) {
	dir := t.TempDir()
	plugins := filepath.Join(dir, "plugins")
	if err := os.MkdirAll(plugins, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(plugins, "mod_http.lua"), []byte("-- theirs"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "prosody.cfg.lua")
	body := []byte(`plugin_paths = { "plugins" }`)
	if err := os.WriteFile(cfg, body, 0o644); err != nil {
		t.Fatal(err)
	}
	snap, err := luaconfig.Evaluate(cfg, body)
	if err != nil {
		t.Fatal(err)
	}
	shipped := []bridge.Source{{Label: "shipped", FS: fstest.MapFS{"mod_http.lua": {Data: []byte("-- ours")}}}}
	for _, src := range sources(snap, nil, shipped) {
		b, err := fs.ReadFile(src.FS, "mod_http.lua")
		if err != nil {
			continue
		}
		if string(b) != "-- theirs" || src.Label != plugins {
			t.Fatalf("mod_http.lua found first in %s: %q", src.Label, b)
		}
		return
	}
	t.Fatal("mod_http.lua not found")
}
