package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// kvConfig writes a config serving examples/modules/mod_kv.lua on
// 127.0.0.1:port with its data in dataDir, logging to the returned file;
// extra lines (a storage option) come after.
func kvConfig(t *testing.T, port int, dataDir, extra string) (cfg, logFile string) {
	t.Helper()
	mods, _ := filepath.Abs("../examples/modules")
	logFile = filepath.Join(t.TempDir(), "moonport.log")
	cfg = testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"kv\" }\ninterfaces = { \"127.0.0.1\" }\n"+
		"kv_ports = { %d }\nrun_as_root = true\nreload_on_change = false\ndata_path = %q\n"+
		"log = { { to = \"file\", filename = %q } }\n%s", mods, port, dataDir, logFile, extra))
	return cfg, logFile
}

// kvSession sends each command of a kv session and checks its answer,
// one line each: "SET a 1=OK" sends "SET a 1" and wants "OK".
func kvSession(t *testing.T, port int, exchanges ...string) {
	t.Helper()
	c := testenv.DialLine(t, port)
	defer c.Close()
	for _, x := range exchanges {
		send, want, _ := strings.Cut(x, "=")
		c.Send(send + "\r\n")
		if got := c.Line(); got != want {
			t.Fatalf("%q: got %q, want %q", send, got, want)
		}
	}
}

// TestKVExample: mod_kv answers its line protocol (a value keeps its
// spaces, KEYS is sorted, wrong commands get their usage), keeps its
// data in the internal store (Prosody's data file of host "*", store
// "kv") and has it again after a restart; its copies (set_workers) share
// one store, so a key set on one connection is read on the next, which
// the copies take in turn.
func TestKVExample(t *testing.T) {
	bin := testenv.Binary(t)
	port := testenv.FreePort(t, "tcp4")
	data := t.TempDir()
	cfg, logFile := kvConfig(t, port, data, "kv_workers = 2\n")
	cmd := testenv.Start(t, bin, testenv.Config(cfg))
	waitLog(t, logFile, "Activated service 'kv'", 1)
	// One space parts the key from the value: the value keeps the rest.
	kvSession(t, port, "GET colour=NOT_FOUND", "SET colour  blue sky=OK", "GET colour=VALUE  blue sky",
		"SET b 2=OK", "SET a 1=OK", "KEYS=KEYS a b colour", "DEL b=OK", "GET b=NOT_FOUND",
		"GET=ERR usage: GET key", "GET a b=ERR usage: GET key", "SET=ERR usage: SET key value",
		"KEYS x=ERR usage: KEYS ", "FLUSH=ERR unknown command (SET, GET, DEL, KEYS, QUIT)",
		"SET "+strings.Repeat("k", 257)+" v=ERR usage: SET key value")
	for i := range 4 { // every copy reads what the others wrote
		kvSession(t, port, fmt.Sprintf("SET n%d %d=OK", i, i), "GET colour=VALUE  blue sky")
	}
	kvSession(t, port, "KEYS=KEYS a colour n0 n1 n2 n3")
	b, err := os.ReadFile(filepath.Join(data, "%2a", "kv.dat"))
	if err != nil || !strings.Contains(string(b), `["colour"] = " blue sky";`) {
		t.Fatalf("the data file: %v\n%s", err, b)
	}

	cmd.Kill()
	testenv.Start(t, bin, testenv.Config(cfg))
	waitLog(t, logFile, "Activated service 'kv'", 2)
	kvSession(t, port, "GET colour=VALUE  blue sky", "KEYS=KEYS a colour n0 n1 n2 n3")
	c := testenv.DialLine(t, port)
	c.Send("QUIT\n")
	c.Expect("BYE")
	c.ExpectClosed()
}

// TestKVStoreFailure: a store that fails (here the data file is a folder,
// so reading and writing it fail) answers "ERR storage: …" to the
// command, logs a warning, keeps the connection and the service; once
// the data file can be written again, so can keys.
func TestKVStoreFailure(t *testing.T) {
	bin := testenv.Binary(t)
	port := testenv.FreePort(t, "tcp4")
	data := t.TempDir()
	cfg, logFile := kvConfig(t, port, data, "")
	testenv.Start(t, bin, testenv.Config(cfg))
	waitLog(t, logFile, "Activated service 'kv'", 1)
	blocker := filepath.Join(data, "%2a", "kv.dat", "x")
	if err := os.MkdirAll(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	c := testenv.DialLine(t, port)
	for _, cmd := range []string{"SET a 1", "GET a", "KEYS"} {
		c.Send(cmd + "\n")
		if got := c.Line(); !strings.HasPrefix(got, "ERR storage: ") {
			t.Fatalf("%s with the data file unreadable: %q", cmd, got)
		}
	}
	waitLog(t, logFile, "store kv: ", 3)
	kvSession(t, port, "FLUSH=ERR unknown command (SET, GET, DEL, KEYS, QUIT)", "QUIT=BYE") // other connections are served
	if err := os.RemoveAll(filepath.Join(data, "%2a", "kv.dat")); err != nil {
		t.Fatal(err)
	}
	c.Send("SET a 1\n")
	c.Expect("OK")
	c.Send("GET a\n")
	c.Expect("VALUE 1")
}
