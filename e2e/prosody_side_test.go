package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// prosodyDirs makes a test folder the user prosody can read, with a data
// folder inside that it owns: Prosody runs as prosody and reads its config
// from dir, and moonport's side reads and writes the same data.
func prosodyDirs(t *testing.T) (dir, data string) {
	t.Helper()
	dir = t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	data = filepath.Join(dir, "data")
	os.Mkdir(data, 0o750)
	chownProsody(t, data)
	return dir, data
}

// chownProsody gives path, and what is below it, to the user prosody.
func chownProsody(t *testing.T, path string) {
	t.Helper()
	if out, err := exec.Command("chown", "-R", "prosody:", path).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
}

// writeProsodyConfig writes dir/prosody.cfg.lua: body after a pidfile and
// a log file in data (data/prosody.pid, data/prosody.log). It gives the
// config's path.
func writeProsodyConfig(t *testing.T, dir, data, body string) string {
	t.Helper()
	cfg := filepath.Join(dir, "prosody.cfg.lua")
	head := fmt.Sprintf("pidfile = %q\nlog = { { to = \"file\", filename = %q } }\n",
		filepath.Join(data, "prosody.pid"), filepath.Join(data, "prosody.log"))
	if err := os.WriteFile(cfg, []byte(head+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// logsOnFailure shows moonport's and Prosody's log files in the test's
// log when the test has failed, at its end.
func logsOnFailure(t *testing.T, moonportLog, prosodyLog string) {
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(moonportLog)
			t.Logf("moonport's log:\n%s", b)
			b, _ = os.ReadFile(prosodyLog)
			t.Logf("Prosody's log:\n%s", b)
		}
	})
}
