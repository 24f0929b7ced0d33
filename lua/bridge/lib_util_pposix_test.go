package bridge

import (
	"os"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

const pposixSnippet = `
local pposix = require "util.pposix"
print(pposix._NAME, pposix._VERSION, pposix.ENOENT)
print(math.type and math.type(pposix.getpid()) or "integer", pposix.getpid() > 1, pposix.getuid(), pposix.getgid())
local u = pposix.uname()
print(u.sysname, u.nodename, u.release, u.version, u.machine, u.domainname)
local first = pposix.umask("022")
print(pposix.umask("027"), pposix.umask(18), pposix.umask("abc"), pposix.umask("7777"))
print(pposix.umask("-1"), pposix.umask(" 0027x"), pposix.umask("+17"), pposix.umask(first))
print(pposix.umask(first) == first)
for _, r in ipairs { "CORE", "CPU", "DATA", "FSIZE", "STACK", "MEMLOCK", "NPROC", "RSS", "NICE", "AS", "nofile", "" } do
	print(r, pposix.getrlimit(r))
end
print(pposix.getrlimit())
print(pposix.getrlimit(5))
local ok, soft, hard = pposix.getrlimit("NOFILE")
print(ok, type(soft), type(hard))
print(pposix.mkdir(base .. "/made"), pposix.mkdir(base .. "/made"))
print(pposix.mkdir(base .. "/no/such"))
local mem = pposix.meminfo()
print(type(mem.allocated), type(mem.used), type(mem.unused), type(mem.returnable), type(mem.allocated_mmap))
`

func TestUtilPposixDifferential(t *testing.T) {
	dir := t.TempDir()
	snippet := "local base = \"" + dir + "\"\n" + pposixSnippet
	got := moonportPrints(t, snippet)
	if !strings.Contains(got, "pposix\t0.4.0\t2\n") || !strings.Contains(got, "true\tfalse\tFile exists\n") {
		t.Errorf("moonport printed\n%s", got)
	}
	if err := os.Remove(dir + "/made"); err != nil {
		t.Fatal(err)
	}
	if ref := testenv.ProsodyLua(t, snippet); got != ref {
		t.Errorf("moonport printed\n%s\nProsody's util.pposix printed\n%s", got, ref)
	}
}

// What moonport does itself is refused with an error naming the call,
// the module's file and line, and what to use instead.
func TestUtilPposixRefused(t *testing.T) {
	got := moonportPrints(t, `
local pposix = require "util.pposix"
for _, name in ipairs { "daemonize", "fork", "setuid", "setgid", "initgroups", "setrlimit", "abort", "syslog_open", "syslog_log" } do
	print(pcall(pposix[name], "prosody"))
end`)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	for i, name := range []string{"daemonize", "fork", "setuid", "setgid", "initgroups", "setrlimit", "abort", "syslog_open", "syslog_log"} {
		want := "false\tmods/mod_snippet.lua:"
		if i >= len(lines) || !strings.HasPrefix(lines[i], want) ||
			!strings.Contains(lines[i], "util.pposix."+name+" is not available in moonport: ") {
			t.Errorf("%s: printed %q", name, got)
		}
	}
	if !strings.Contains(got, "prosody_user") || !strings.Contains(got, "systemd") {
		t.Errorf("the refusals do not say what to use: %q", got)
	}
}
