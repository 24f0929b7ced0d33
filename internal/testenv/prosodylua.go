package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// prosodyLuaPaths makes lua5.4's require find Prosody 0.12's own
// libraries (util.*, both the Lua files and the C modules).
const prosodyLuaPaths = `package.path = "/usr/lib/prosody/?.lua;" .. package.path; ` +
	`package.cpath = "/usr/lib/prosody/?.so;" .. package.cpath; `

// ProsodyLua runs a Lua snippet in lua5.4 with Prosody's libraries on the
// require path and returns what it printed, for differential tests of
// moonport's built-in libraries. Without lua5.4 the test is skipped (on
// CI it fails: .ci/run installs it with prosody).
func ProsodyLua(t testing.TB, snippet string) string {
	t.Helper()
	lua := NeedTool(t, "lua5.4", "lua5.4")
	if _, err := os.Stat("/usr/lib/prosody/util"); err != nil && os.Getenv("CI") == "" {
		t.Skip("Prosody's libraries are not installed (apt-get install prosody)")
	}
	out, err := exec.Command(lua, "-e", prosodyLuaPaths+snippet).CombinedOutput()
	if err != nil {
		t.Fatalf("lua5.4 with Prosody's libraries: %v\n%s", err, out)
	}
	return string(out)
}
