package bridge

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// prosodyModules is where Debian's prosody and prosody-modules install
// the module files the real-module tests load.
const prosodyModules = "/usr/lib/prosody/modules"

// loadReal loads Prosody's own file of module name on host a.example
// from prosodyModules (skipping when it is not installed), and returns
// the instance (nil when it failed), the file's text and the error.
func loadReal(t *testing.T, name, cfg string) (*Instance, string, error) {
	t.Helper()
	var file string
	for _, p := range []string{"mod_" + name + ".lua", "mod_" + name + "/mod_" + name + ".lua"} {
		if _, err := os.Stat(filepath.Join(prosodyModules, p)); err == nil {
			file = filepath.Join(prosodyModules, p)
		}
	}
	if file == "" {
		t.Skipf("mod_%s is not installed in %s (Debian packages prosody, prosody-modules)", name, prosodyModules)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTestRuntime(t, cfg+"\nVirtualHost \"a.example\"\n", nil)
	tr.sources = []Source{{Label: prosodyModules, FS: os.DirFS(prosodyModules)}}
	inst, err := tr.Load(name, "a.example")
	return inst, string(src), err
}

// assertPast checks that loading got past the first line of src holding
// call: it loaded, or its error is on a later line of the file (a
// library of another part of moonport that is not there yet, say).
func assertPast(t *testing.T, name, src, call string, err error) {
	t.Helper()
	i := strings.Index(src, call)
	if i < 0 {
		t.Skipf("mod_%s no longer calls %s", name, call)
	}
	callLine := strings.Count(src[:i], "\n") + 1
	if err == nil {
		return
	}
	m := regexp.MustCompile(`mod_` + name + `\.lua:(\d+):`).FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("mod_%s failed without a line of its own: %v", name, err)
	}
	if line, _ := strconv.Atoi(m[1]); line <= callLine {
		t.Errorf("mod_%s failed at line %d, not past %s (line %d): %v", name, line, call, callLine, err)
	}
}

// Prosody's mod_turn_external without its secret sets an error status
// with module:log_status and loads.
func TestRealTurnExternalLogStatus(t *testing.T) {
	inst, src, err := loadReal(t, "turn_external", "")
	assertPast(t, "turn_external", src, "module:log_status(", err)
	if err != nil {
		t.Fatal(err)
	}
	if typ, msg, _ := inst.Status(); typ != "error" || !strings.Contains(msg, "'turn_external_secret' option is not set") {
		t.Errorf("status %s: %s", typ, msg)
	}
}

// Prosody's mod_admin_socket gets its status from module:log_status
// when LuaSocket's unix sockets are missing, else reads its socket's path
// with module:get_option_path(…, "data").
func TestRealAdminSocket(t *testing.T) {
	inst, src, err := loadReal(t, "admin_socket", "")
	assertPast(t, "admin_socket", src, "module:log_status(", err)
	if err == nil {
		if typ, msg, _ := inst.Status(); typ != "" && typ != "error" {
			t.Errorf("status %s: %s", typ, msg)
		}
	}
}

// Prosody's mod_posix, before the server started (prosody.start_time
// nil) and allowed to run as root, resolves its pidfile with
// module:get_option_path(…, "data") and goes on.
func TestRealPosixPaths(t *testing.T) {
	pid := filepath.Join(t.TempDir(), "p.pid")
	_, src, err := loadReal(t, "posix", "run_as_root = true\npidfile = \""+pid+"\"")
	assertPast(t, "posix", src, `module:get_option_path("pidfile"`, err)
}
