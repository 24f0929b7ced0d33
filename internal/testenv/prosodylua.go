package testenv

import (
	"os/exec"
	"testing"
)

// ProsodyLuaPrelude makes Prosody 0.12's own libraries requirable in
// lua5.4, as Debian's prosody package installs them.
const ProsodyLuaPrelude = `package.path = "/usr/lib/prosody/?.lua;" .. package.path
package.cpath = "/usr/lib/prosody/?.so;" .. package.cpath
`

// ProsodyLua runs a Lua snippet in lua5.4 with Prosody's libraries on the
// path and returns what it printed; the test is skipped without lua5.4
// (a failure on CI, where .ci/run installs it with prosody).
func ProsodyLua(t testing.TB, snippet string) string {
	t.Helper()
	lua := NeedTool(t, "lua5.4", "lua5.4")
	out, err := exec.Command(lua, "-e", ProsodyLuaPrelude+snippet).CombinedOutput()
	if err != nil {
		t.Fatalf("lua5.4: %v\n%s", err, out)
	}
	return string(out)
}
