package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// archiveLogger appends a stanza to an archive store at each load and
// logs how many there are.
const archiveLogger = `
local st = require "util.stanza"
local log = module:open_store("loads", "archive")
assert(log:append(nil, nil, st.message({ to = "ops@example.com" }, "loaded"), os.time(), "ops@example.com"))
local _, total = assert(log:find(nil, { total = true, limit = 0 }))
module:log("info", "archive-test loads %d", total)
`

// TestArchiveStoreOutlivesRestart: the real binary keeps an archive
// store in Prosody's list file under the data folder; a restart finds
// it, and Prosody's own util.stanza reads the file back.
func TestArchiveStoreOutlivesRestart(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	logFile := filepath.Join(dir, "moonport.log")
	if err := os.WriteFile(filepath.Join(dir, "mod_loads.lua"), []byte(archiveLogger), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nrun_as_root = true\nreload_on_change = false\n"+
		"log = { { to = \"file\", filename = %q } }\nVirtualHost \"a.example\"\nmodules_enabled = { \"loads\" }\n", dir, logFile))
	cmd := testenv.Start(t, bin, testenv.Config(cfg))
	waitLog(t, logFile, "archive-test loads 1", 1)
	cmd.Kill()
	testenv.Start(t, bin, testenv.Config(cfg))
	waitLog(t, logFile, "archive-test loads 2", 1)
	list := filepath.Join(filepath.Dir(cfg), "a%2eexample", "loads.list")
	out := testenv.ProsodyLua(t, fmt.Sprintf(`local st = require "util.stanza"
		local items = {}
		assert(loadfile(%q, "t", { item = function(i) items[#items + 1] = i end }))()
		for _, i in ipairs(items) do
			local s = st.deserialize(i)
			io.write(s:get_child_text("body"), " ", i.with, " ", #i.key, "\n")
		end`, list))
	if strings.Count(out, "loaded ops@example.com 24\n") != 2 {
		t.Errorf("Prosody read %q", out)
	}
}
