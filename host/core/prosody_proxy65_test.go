package core

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// startProsody runs a real Prosody 0.12 with cfg (data and log in a
// folder of the test) until the test ends, and waits until it listens on
// port.
func startProsody(t *testing.T, cfg string, port int) {
	t.Helper()
	bin := testenv.NeedTool(t, "prosody", "prosody")
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil { // Prosody may drop to its own user
		t.Fatal(err)
	}
	file := filepath.Join(dir, "prosody.cfg.lua")
	cfg = fmt.Sprintf("data_path = %q\npidfile = %q\nlog = { debug = %q }\n", dir, filepath.Join(dir, "prosody.pid"), filepath.Join(dir, "prosody.log")) + cfg
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.Start(t, bin, testenv.Args("--config", file, "-F"))
	testenv.WaitListening(t, port, fmt.Sprintf("127.0.0.1:%d", port))
}

// socksClient is one SOCKS5 connection of the transcript.
type socksClient struct {
	t *testing.T
	c net.Conn
}

func dialSocks(t *testing.T, port int) *socksClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &socksClient{t: t, c: c}
}

// ask sends req and reads n bytes of answer (all until the close for n <
// 0), within wait; it says what came and how the read ended.
func (s *socksClient) ask(req string, n int, wait time.Duration) string {
	if req != "" {
		if _, err := io.WriteString(s.c, req); err != nil {
			return "write failed"
		}
	}
	_ = s.c.SetReadDeadline(time.Now().Add(wait))
	var got []byte
	var err error
	if n < 0 {
		got, err = io.ReadAll(s.c)
	} else {
		got = make([]byte, n)
		var k int
		k, err = io.ReadFull(s.c, got)
		got = got[:k]
	}
	end := "ok"
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		end = "nothing more"
	case err != nil && n >= 0:
		end = "closed"
	case n < 0:
		end = "closed"
	}
	return fmt.Sprintf("%q %s", got, end)
}

// socksTranscript runs the same SOCKS5 exchanges against port and
// returns what each step got.
func socksTranscript(t *testing.T, port int) []string {
	sha := strings.Repeat("ab", 20)
	connect := "\x05\x01\x00\x03\x28" + sha + "\x00\x00"
	var out []string
	step := func(name, got string) { out = append(out, name+": "+got) }
	target, initiator := dialSocks(t, port), dialSocks(t, port)
	step("target greeting", target.ask("\x05\x01\x00", 2, 5*time.Second))
	step("target connect", target.ask(connect, 47, 5*time.Second))
	step("initiator greeting", initiator.ask("\x05\x02\x02\x00", 2, 5*time.Second))
	step("initiator connect", initiator.ask(connect, 47, 5*time.Second))
	// Not activated (that takes an XMPP iq): nothing passes yet.
	step("before activation", target.ask("", 1, 300*time.Millisecond))
	// The initiator leaving closes the target it was paired with.
	initiator.c.Close()
	step("paired target", target.ask("", -1, 5*time.Second))
	step("no null method", dialSocks(t, port).ask("\x05\x01\x02", -1, 5*time.Second))
	step("SOCKS4", dialSocks(t, port).ask("\x04\x01\x00\x50\x7f\x00\x00\x01\x00", -1, 5*time.Second))
	bad := dialSocks(t, port)
	bad.ask("\x05\x01\x00", 2, 5*time.Second)
	step("IPv4 connect", bad.ask("\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50", -1, 5*time.Second))
	short := dialSocks(t, port)
	short.ask("\x05\x01\x00", 2, 5*time.Second)
	step("short address", short.ask("\x05\x01\x00\x03\x05hello\x00\x00", -1, 5*time.Second))
	return out
}

// TestProsodyProxy65 runs Prosody's mod_proxy65 in moonport and in a real
// Prosody, and compares what SOCKS5 clients get from each.
func TestProsodyProxy65(t *testing.T) {
	needProsodyModule(t, "proxy65")
	testenv.NeedTool(t, "prosody", "prosody")
	port := freePort(t)
	th := startHost(t, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "sharedprobe", "proxy65" }
interfaces = { "127.0.0.1" }
proxy65_ports = { %d }
`, prosodyModules, port), map[string]string{"sharedprobe": sharedProbe})
	log, _ := os.ReadFile(th.logFile) // modules load in startHost
	if !strings.Contains(string(log), "shared probe: true") {
		t.Fatalf("module:shared tables do not keep tables by reference under table keys, as mod_proxy65 needs; log:\n%s", log)
	}
	ref := freePort(t)
	startProsody(t, fmt.Sprintf(`interfaces = { "127.0.0.1" }
modules_enabled = { "proxy65" }
modules_disabled = { "c2s", "s2s", "offline" }
proxy65_ports = { %d }
VirtualHost "localhost"
`, ref), ref)
	want := socksTranscript(t, ref)

	th.waitLog(t, "loaded from "+prosodyModules+"/mod_proxy65.lua")
	got := socksTranscript(t, port)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("moonport:\n%s\nProsody:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// sharedProbe logs whether module:shared tables behave as mod_proxy65
// needs: a connection-like key (a table here) and a table kept by
// reference.
const sharedProbe = `
local ok = pcall(function()
	local s = module:shared("probe")
	local key, inner = {}, {}
	s[key] = inner
	inner.seen = true
	assert(s[key] and s[key].seen)
end)
module:log("info", "shared probe: %s", tostring(ok))
`

// Prosody's mod_proxy65 reloaded between the two sides of a transfer
// connecting: its module:shared tables (transfers by SHA1, sessions by
// connection) pass to the new instance, which pairs the initiator with
// the target the old one registered, and closes the target when the
// initiator leaves. With empty tables the initiator would become a second
// target and the first would stay open.
func TestProsodyProxy65Reload(t *testing.T) {
	needProsodyModule(t, "proxy65")
	src, err := os.ReadFile(filepath.Join(prosodyModules, "mod_proxy65.lua"))
	if err != nil {
		t.Fatal(err)
	}
	first := t.TempDir() // a copy to change, found before Prosody's folder
	file := filepath.Join(first, "mod_proxy65.lua")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	th := startHost(t, fmt.Sprintf(`plugin_paths = { %q, %q }
modules_enabled = { "proxy65" }
interfaces = { "127.0.0.1" }
proxy65_ports = { %d }
`, first, prosodyModules, port), nil)
	testenv.WaitListening(t, port, fmt.Sprintf("127.0.0.1:%d", port))
	connect := "\x05\x01\x00\x03\x28" + strings.Repeat("cd", 20) + "\x00\x00"
	target := dialSocks(t, port)
	target.ask("\x05\x01\x00", 2, 5*time.Second)
	if got := target.ask(connect, 47, 5*time.Second); !strings.HasSuffix(got, " ok") {
		t.Fatalf("target connect: %s", got)
	}
	if err := os.WriteFile(file, append(src, "\n-- changed\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := th.Reload("test"); err != nil {
		t.Fatal(err)
	}
	initiator := dialSocks(t, port)
	initiator.ask("\x05\x01\x00", 2, 5*time.Second)
	if got := initiator.ask(connect, 47, 5*time.Second); !strings.HasSuffix(got, " ok") {
		t.Fatalf("initiator connect: %s", got)
	}
	th.waitLog(t, "SOCKS5 initiator connected for session")
	initiator.c.Close()
	if got := target.ask("", -1, 5*time.Second); got != `"" closed` {
		t.Errorf("the target after its initiator left: %s", got)
	}
}
