package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// runCheck runs the real binary's `moonport check ARGS` in dir and gives
// its exit code and output (stdout and stderr).
func runCheck(t *testing.T, bin, dir string, args ...string) (int, string) {
	t.Helper()
	return runCommand(t, bin, dir, append([]string{"check"}, args...)...)
}

// runCommand runs the real binary's `moonport ARGS` in dir and gives its
// exit code and output (stdout and stderr).
func runCommand(t *testing.T, bin, dir string, args ...string) (int, string) {
	t.Helper()
	p := testenv.Start(t, bin, testenv.Args(args...), testenv.Dir(dir))
	return p.Wait(30 * time.Second), p.Output()
}

// markerModule writes a marker every way a module can write a file: io,
// lfs, util.datamanager, module:open_store, in its body, module.load
// and module.unload, and logs an error line.
const markerModule = `
local lfs = require "lfs"
local dm = require "util.datamanager"
local dir = module:get_option_string("marker_dir")
local function mark(name)
	local f = io.open(dir .. "/" .. name, "w")
	if f then f:write("x") f:close() end
	os.rename(dir .. "/nothing", dir .. "/renamed")
	lfs.mkdir(dir .. "/" .. name .. ".d")
	lfs.touch(dir .. "/" .. name .. ".t")
	dm.getpath("u", "h", "made", "dat", true)
	dm.store("u", "h", name, { x = 1 })
end
mark("body")
module:open_store("marker"):set(nil, { x = 1 })
module:log("error", "marker module says hello")
function module.load() mark("load") end
function module.unload() mark("unload") end
`

// `moonport check config`, `moonport check` and `moonport ports` change
// nothing: no log file is created (in a fresh folder) or written (the
// live one), no data, pidfile or console cookie (the console is enabled),
// and a module that writes markers every way it can leaves none; the
// module still loads, and its log line is in the command's own output.
func TestCheckAndPortsHaveNoSideEffects(t *testing.T) {
	bin := testenv.Binary(t)
	root := t.TempDir()
	logs, markers, data := filepath.Join(root, "logs"), filepath.Join(root, "markers"), filepath.Join(root, "data")
	for _, d := range []string{logs, markers} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	live := filepath.Join(root, "live.log")
	if err := os.WriteFile(live, []byte("old line\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "mod_marker.lua"), []byte(markerModule), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(root, "prosody.cfg.lua")
	body := fmt.Sprintf(`modules_enabled = { "marker", "admin_telnet" }
console_ports = { %d }
marker_dir = %q
data_path = %q
pidfile = %q
log = { info = %q, error = %q }
`, testenv.FreePort(t, "tcp"), markers, data, filepath.Join(root, "moonport.pid"), filepath.Join(logs, "moonport.log"), live)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	before := listTree(t, root)
	for _, args := range [][]string{{"check", "config"}, {"check"}, {"ports"}} {
		code, out := runCommand(t, bin, root, append(args, "--config", cfg)...)
		if strings.Contains(out, "FAIL") || !strings.Contains(out, "marker module says hello") {
			t.Errorf("moonport %v: exit %d: the module should load and its log line be in the output:\n%s", args, code, out)
		}
		if after := listTree(t, root); after != before {
			t.Errorf("moonport %v changed the disk:\nbefore:\n%s\nafter:\n%s\noutput:\n%s", args, before, after, out)
		}
		if b, _ := os.ReadFile(live); string(b) != "old line\n" {
			t.Errorf("moonport %v wrote the live log: %q", args, b)
		}
	}
}

// listTree lists every file and folder under root with its size.
func listTree(t *testing.T, root string) string {
	t.Helper()
	var sb strings.Builder
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintf(&sb, "%s %d\n", p, fi.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sb.String()
}

// checkLine is a line of any check's report: a section header, a
// finding, or the summary (the firewall table aside).
var checkLine = regexp.MustCompile(`^(== [a-z]+|(PASS|WARN|FAIL|INFO)  \S.*|moonport check( [a-z]+)?: \d+ passed, \d+ warning\(s\), \d+ failure\(s\) \(config .+\))$`)

// Every check, on the embedded default config (no config file in the
// working folder), passes and prints the same format: findings, then one
// summary line; exit 0.
func TestCheckEmbeddedDefaultOneFormat(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	for _, what := range []string{"", "config", "ports", "certs", "perms"} {
		var args []string
		if what != "" {
			args = []string{what}
		}
		code, out := runCheck(t, bin, dir, args...)
		if code != 0 || strings.Contains(out, "FAIL") {
			t.Errorf("check %s: exit %d\n%s", what, code, out)
		}
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		inFirewall := false
		for _, l := range lines {
			if strings.HasPrefix(l, "== ") {
				inFirewall = l == "== firewall"
			}
			if !inFirewall && !checkLine.MatchString(l) {
				t.Errorf("check %s: line %q is not of the shared format", what, l)
			}
		}
		last := lines[len(lines)-1]
		if want := strings.TrimSpace("moonport check " + what); !strings.HasPrefix(last, want+": ") || !strings.HasSuffix(last, "(config embedded:default.cfg.lua)") {
			t.Errorf("check %s: summary line %q", what, last)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("check left files in the working folder: %v", entries)
	}
}

// TestCheckFailsWhatServingWouldRefuse: as root, a prosody_user that does
// not exist is a FAIL of check perms, and serving the same config exits 5
// (privilege): a check that passed never leaves that to find at start.
func TestCheckFailsWhatServingWouldRefuse(t *testing.T) {
	testenv.NeedRoot(t)
	bin := testenv.Binary(t)
	dir := t.TempDir()
	cfg := testenv.WriteConfig(t, fmt.Sprintf(`prosody_user = "moonport-no-such-user"
pidfile = %q
`, filepath.Join(dir, "moonport.pid")))
	code, out := runCheck(t, bin, dir, "perms", "--config", cfg)
	if code != 1 || !strings.Contains(out, `FAIL  prosody_user "moonport-no-such-user"`) {
		t.Errorf("check perms: exit %d, want 1 with the prosody_user failure\n%s", code, out)
	}
	run := testenv.Start(t, bin, testenv.Config(cfg), testenv.Dir(dir))
	if code := run.Wait(30 * time.Second); code != 5 {
		t.Errorf("moonport run: exit %d, want 5\n%s", code, run.Output())
	}
}
