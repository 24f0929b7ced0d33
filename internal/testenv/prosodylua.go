package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// ProsodyDir is where Debian's prosody package puts Prosody's libraries.
const ProsodyDir = "/usr/lib/prosody"

// ProsodyLua is the reference side of a differential test of a library
// against Prosody's own: it runs each case, the body of a Lua function
// that returns a string (e.g. `return require "util.hashes".sha1("x", true)`),
// in lua5.4 with Prosody's libraries on the path, and returns what each
// returned. Bodies must mean the same in Lua 5.1 and 5.4 (no integer/float
// differences, no pairs order). Without lua5.4 or Prosody the test is
// skipped, or fails on CI.
func ProsodyLua(t testing.TB, cases ...string) []string {
	t.Helper()
	lua := NeedTool(t, "lua5.4", "lua5.4")
	if _, err := os.Stat(ProsodyDir + "/util/json.lua"); err != nil {
		NeedTool(t, "prosody", "prosody") // not a Prosody installation
	}
	const sep = "\x00--case--\x00"
	var b strings.Builder
	b.WriteString("package.path = " + strconv.Quote(ProsodyDir+"/?.lua;") + " .. package.path\n")
	b.WriteString("package.cpath = " + strconv.Quote(ProsodyDir+"/?.so;") + " .. package.cpath\n")
	for _, c := range cases {
		b.WriteString("io.write(tostring((function()\n" + c + "\nend)()), " + strconv.Quote(sep) + ")\n")
	}
	cmd := exec.Command(lua, "-")
	cmd.Stdin = strings.NewReader(b.String())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lua5.4 with Prosody's libraries: %v\n%s", err, stderr.String())
	}
	got := strings.Split(string(out), sep)
	return got[:len(got)-1]
}
