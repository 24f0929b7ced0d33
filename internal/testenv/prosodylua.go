package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
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

// ProsodyLuaCases runs many cases in one lua5.4 process: each case is the
// body of a Lua function that returns a string (e.g. `return require
// "util.hashes".sha1("x", true)`), and the result is what each returned.
// Bodies must mean the same in Lua 5.1 and 5.4 (no integer/float
// differences, no pairs order).
func ProsodyLuaCases(t testing.TB, cases ...string) []string {
	t.Helper()
	const sep = "\x00--case--\x00"
	var b strings.Builder
	for _, c := range cases {
		b.WriteString("io.write(tostring((function()\n" + c + "\nend)()), " + strconv.Quote(sep) + ")\n")
	}
	got := strings.Split(ProsodyLua(t, b.String()), sep)
	return got[:len(got)-1]
}
