package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// TestFileOptionsResolveAgainstConfig: run from "/" as systemd does, the
// example modules' folders (static_files_dir, tftp_root) resolve against
// the config file's folder, and a missing one is a warning at load naming
// the option, its value and the config file and line.
func TestFileOptionsResolveAgainstConfig(t *testing.T) {
	bin := testenv.Binary(t)
	mods, _ := filepath.Abs("../examples/modules")
	p := testenv.FreePorts(t, 2)
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "www"), 0o755)
	os.WriteFile(filepath.Join(dir, "www", "hello.txt"), []byte("hello from www\n"), 0o644)
	cfg := filepath.Join(dir, "prosody.cfg.lua")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "static_files", "tftp" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
http_ports = { %d }
tftp_ports = { %d }
run_as_root = true
static_files_dir = "www"
tftp_root = "boot"
`, mods, p[0], p[1])), 0o644)
	log := testenv.Start(t, bin, testenv.Config(cfg), testenv.Dir("/")).WaitOutput("Activated service 'http'", 15*time.Second)
	want := fmt.Sprintf(`tftp_root = \"boot\" (%s:9) names %s, which does not exist`, cfg, filepath.Join(dir, "boot"))
	if !strings.Contains(log, want) || strings.Contains(log, "static_files_dir =") {
		t.Fatalf("want one warning for tftp_root, %q, and none for static_files_dir:\n%s", want, log)
	}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/files/hello.txt", p[0]))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "hello from www\n" {
		t.Fatalf("GET /files/hello.txt from cwd /: %d %q\n%s", resp.StatusCode, body, log)
	}
}
