package core

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moonport/moonport/host/tlsconf/tlstest"
)

// liveModule echoes on "live" and reports its code version, the tag
// option and how many generations of it have run on "probe". The
// generation count travels through module.save/module.restore.
const liveModule = `
local version = "VERSION"
local generation = 1
function module.save() return { generation = generation } end
function module.restore(saved) generation = saved.generation + 1 end
module:provides("net", { name = "live", default_port = 1, listener = {
	onincoming = function(conn, data) conn:write(data) end;
}})
module:provides("net", { name = "probe", default_port = 1, listener = {
	onconnect = function(conn)
		conn:write(version .. " " .. module:get_option_string("tag", "none") .. " " .. generation .. "\n")
		conn:close()
	end;
}})
`

// listening lists the loopback (or all-address) IPv4 TCP ports in LISTEN
// state among candidates,
// read from /proc/net/tcp as an outside observer would.
func listening(t *testing.T, candidates []int) []int {
	t.Helper()
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]bool{}
	for _, p := range candidates {
		want[p] = true
	}
	var out []int
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "0A" {
			continue
		}
		addr, port, _ := strings.Cut(f[1], ":")
		p, _ := strconv.ParseUint(port, 16, 16)
		// Loopback (127.x, stored little-endian) or every address (0.0.0.0).
		if raw, _ := hex.DecodeString(addr); len(raw) == 4 && (raw[3] == 127 || addr == "00000000") && want[int(p)] {
			out = append(out, int(p))
		}
	}
	sort.Ints(out)
	return out
}

func probe(t *testing.T, port int) string {
	t.Helper()
	return dial(t, port).Line()
}

// traffic keeps n connections echoing and checks every reply byte for
// byte until stop is called, which returns the counts.
func traffic(t *testing.T, port, n int) (stop func() (rounds, bad int64)) {
	t.Helper()
	var rounds, bad atomic.Int64
	var wg sync.WaitGroup
	quit := make(chan struct{})
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	for i, c := range conns {
		wg.Add(1)
		go func(i int, c net.Conn) {
			defer wg.Done()
			r := bufio.NewReader(c)
			for k := 0; ; k++ {
				select {
				case <-quit:
					return
				default:
				}
				msg := fmt.Sprintf("conn %d message %d %s\n", i, k, strings.Repeat("x", k%50))
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := c.Write([]byte(msg)); err != nil {
					bad.Add(1)
					return
				}
				got, err := r.ReadString('\n')
				if err != nil || got != msg {
					bad.Add(1)
					return
				}
				rounds.Add(1)
				time.Sleep(time.Millisecond)
			}
		}(i, c)
	}
	return func() (int64, int64) {
		close(quit)
		wg.Wait()
		// Every connection must still be there, and echo.
		for _, c := range conns {
			msg := []byte("final check\n")
			buf := make([]byte, len(msg))
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(msg); err != nil {
				bad.Add(1)
			} else if _, err := io.ReadFull(c, buf); err != nil || !bytes.Equal(buf, msg) {
				bad.Add(1)
			}
			c.Close()
		}
		return rounds.Load(), bad.Load()
	}
}

func TestReloadUnderTraffic(t *testing.T) {
	live, probePort, extra, tlsPort := freePort(t), freePort(t), freePort(t), freePort(t)
	ca := tlstest.NewCA(t, t.TempDir())
	certDir := t.TempDir()
	crt, key := ca.Server(t, certDir, "localhost")
	th := newHost(t, "", nil)
	cfgPath := filepath.Join(th.dir, "prosody.cfg.lua")
	head, _ := os.ReadFile(cfgPath) // the log and plugin_paths lines newHost wrote
	modPath := filepath.Join(th.dir, "mod_live.lua")
	writeModule := func(version int) {
		if err := os.WriteFile(modPath, []byte(strings.Replace(liveModule, "VERSION", fmt.Sprint("v", version), 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeConfig := func(body string) {
		if err := os.WriteFile(cfgPath, append(append([]byte(nil), head...), body...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// lua_timeout is off the default 1 s of wall time: each reload runs
	// the module body, save and restore under it while 200 connections
	// keep the state busy, and a loaded machine under -race can stall one
	// of them that long; this test is about reloads, not that budget.
	base := fmt.Sprintf("modules_enabled = { \"live\" }\ninterfaces = { \"127.0.0.1\" }\nprobe_ports = { %d }\nlua_timeout = 600\n", probePort)
	writeModule(0)
	writeConfig(base + fmt.Sprintf("live_ports = { %d }\ntag = \"t0\"\n", live))
	th.Shutdown() // newHost loaded the placeholder config; start over on the real one
	th = startHostAt(t, th.dir)

	stop := traffic(t, live, 200)
	candidates := []int{live, probePort, extra, tlsPort}
	wantPorts := []int{live, probePort}
	wantProbe := "v0 t0 1"
	check := func(step string) {
		t.Helper()
		if got := listening(t, candidates); fmt.Sprint(got) != fmt.Sprint(sorted(wantPorts)) {
			t.Fatalf("%s: listening on %v, want %v", step, got, sorted(wantPorts))
		}
		if got := probe(t, probePort); got != wantProbe {
			t.Fatalf("%s: probe says %q, want %q", step, got, wantProbe)
		}
	}
	check("start")
	tag := "t0"
	for i := 1; i <= 50; i++ {
		step := fmt.Sprintf("config step %d", i)
		var err error
		switch i % 6 {
		case 0: // add a port
			writeConfig(base + fmt.Sprintf("live_ports = { %d, %d }\ntag = %q\n", live, extra, tag))
			wantPorts = []int{live, probePort, extra}
			err = th.Reload(step)
		case 1: // remove it again
			writeConfig(base + fmt.Sprintf("live_ports = { %d }\ntag = %q\n", live, tag))
			wantPorts = []int{live, probePort}
			err = th.Reload(step)
		case 2: // change a module option
			tag = fmt.Sprintf("t%d", i)
			writeConfig(base + fmt.Sprintf("live_ports = { %d }\ntag = %q\n", live, tag))
			err = th.Reload(step)
		case 3: // break the syntax: nothing may change
			writeConfig(base + "live_ports = { \n")
			if th.Reload(step) == nil {
				t.Fatalf("%s: a syntax error was accepted", step)
			}
			check(step)
			writeConfig(base + fmt.Sprintf("live_ports = { %d }\ntag = %q\n", live, tag))
			err = th.Reload(step + " fixed")
		case 4: // a missing certificate: nothing may change
			writeConfig(base + fmt.Sprintf("live_ports = { %d }\ntag = %q\nlisteners = { secure = { service = \"live\", bind = \"127.0.0.1:%d\", tls = { implicit = true, certificate = \"/nonexistent.crt\", key = %q } } }\n", live, tag, tlsPort, key))
			if th.Reload(step) == nil {
				t.Fatalf("%s: a missing certificate was accepted", step)
			}
			check(step)
			writeConfig(base + fmt.Sprintf("live_ports = { %d }\ntag = %q\nlisteners = { secure = { service = \"live\", bind = \"127.0.0.1:%d\", tls = { implicit = true, certificate = %q, key = %q } } }\n", live, tag, tlsPort, crt, key))
			wantPorts = []int{live, probePort, tlsPort}
			err = th.Reload(step + " fixed")
		case 5: // back to plain
			writeConfig(base + fmt.Sprintf("live_ports = { %d }\ntag = %q\n", live, tag))
			wantPorts = []int{live, probePort}
			err = th.Reload(step)
		}
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		wantProbe = fmt.Sprintf("v0 %s 1", tag)
		check(step)
	}
	for v := 1; v <= 50; v++ {
		writeModule(v)
		if err := th.Reload(fmt.Sprintf("module version %d", v)); err != nil {
			t.Fatalf("module version %d: %v", v, err)
		}
		wantProbe = fmt.Sprintf("v%d %s %d", v, tag, v+1)
		check(fmt.Sprintf("module version %d", v))
	}
	// A module that fails to load leaves the old one serving.
	if err := os.WriteFile(modPath, []byte("this is not lua"), 0o644); err != nil {
		t.Fatal(err)
	}
	if th.Reload("broken module") == nil {
		t.Fatal("a broken module was accepted")
	}
	check("broken module")
	rounds, bad := stop()
	if bad != 0 {
		t.Fatalf("%d wrong replies or lost connections (%d good round-trips)", bad, rounds)
	}
	st := th.ReloadStatus()
	if st.Count < 100 || st.Failures != 2*8+1 || !strings.Contains(st.LastError, "mod_live.lua:1: syntax error") {
		t.Errorf("reload status %+v", st)
	}
	t.Logf("%d round-trips across %d reloads, none lost", rounds, st.Count)
}

func sorted(p []int) []int {
	out := append([]int(nil), p...)
	sort.Ints(out)
	return out
}

// startHostAt starts the config already written in dir.
func startHostAt(t *testing.T, dir string) *testHost {
	t.Helper()
	th := loadHost(t, dir)
	if err := th.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(th.Shutdown)
	return th
}

func TestCertificateRotation(t *testing.T) {
	port := freePort(t)
	ca := tlstest.NewCA(t, t.TempDir())
	certs := t.TempDir()
	crt, key := ca.Server(t, certs, "localhost")
	th := startHost(t, fmt.Sprintf(`modules_enabled = { "echo" }
interfaces = { "127.0.0.1" }
echo_ports = { %d }
echo_ssl = { certificate = %q, key = %q }
listeners = { tls = { service = "echo", bind = "127.0.0.1:%d", tls = { implicit = true } } }
`, freePort(t), crt, key, port), nil)
	old, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port), &tls.Config{RootCAs: ca.Pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	oldSerial := old.ConnectionState().PeerCertificates[0].SerialNumber
	ca.Server(t, certs, "localhost") // a new certificate over the same files
	if err := th.Reload("certificate rotated"); err != nil {
		t.Fatal(err)
	}
	fresh, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port), &tls.Config{RootCAs: ca.Pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if fresh.ConnectionState().PeerCertificates[0].SerialNumber.Cmp(oldSerial) == 0 {
		t.Error("a new handshake still got the old certificate")
	}
	// The old session carries on.
	r := bufio.NewReader(old)
	old.Write([]byte("still here\n"))
	if got, err := r.ReadString('\n'); err != nil || got != "still here\n" {
		t.Errorf("old TLS connection: %q %v", got, err)
	}
}

// A connection that came in on a listener a reload removes is still
// served, and closed once removed_listener_grace has passed, not before.
// The grace is long enough for the test to get a round-trip in after the
// reload on a loaded machine (at 0.3 s the close sometimes came first).
func TestRemovedListenerKeepsItsConnections(t *testing.T) {
	const grace = 5 * time.Second
	keep, gone := freePort(t), freePort(t)
	th := startHost(t, fmt.Sprintf("modules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { %d, %d }\n", keep, gone), nil)
	c := dial(t, gone)
	c.Send("accepted\n") // not still in the kernel's queue, which closing the listener resets
	c.Expect("accepted")
	cfg := filepath.Join(th.dir, "prosody.cfg.lua")
	b, _ := os.ReadFile(cfg)
	b = bytes.Replace(b, []byte(fmt.Sprintf("echo_ports = { %d, %d }", keep, gone)), []byte(fmt.Sprintf("echo_ports = { %d }\nremoved_listener_grace = %g", keep, grace.Seconds())), 1)
	os.WriteFile(cfg, b, 0o644)
	start := time.Now() // the grace starts inside Reload, so not before this
	if err := th.Reload("remove a port"); err != nil {
		t.Fatal(err)
	}
	if got := listening(t, []int{keep, gone}); fmt.Sprint(got) != fmt.Sprint([]int{keep}) {
		t.Fatalf("listening on %v", got)
	}
	c.Send("still served\n")
	c.Expect("still served")
	c.ExpectClosedWithin(grace + 30*time.Second)
	if took := time.Since(start); took < grace {
		t.Errorf("closed after %s, before removed_listener_grace (%s)", took, grace)
	}
}

func TestReloadOfEmbeddedConfigIsRefused(t *testing.T) {
	th := startHost(t, "modules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { 1 }\n", nil)
	os.Remove(filepath.Join(th.dir, "prosody.cfg.lua"))
	if err := th.Reload("test"); err != ErrNoConfigFile {
		t.Fatalf("error %v", err)
	}
}

func TestReloadLoadsAndUnloadsModules(t *testing.T) {
	echo, chat, probePort := freePort(t), freePort(t), freePort(t)
	watcher := `
local reloads = 0
module:hook("config-reloaded", function(event) reloads = reloads + 1 end)
function module.unload() module:log("info", "watcher unloaded") end
module:provides("net", { name = "probe", default_port = 1, listener = {
	onconnect = function(conn) conn:write("reloads=" .. reloads .. "\n"); conn:close() end } })`
	body := func(mods string) string {
		return fmt.Sprintf("modules_enabled = { %s }\ninterfaces = { \"127.0.0.1\" }\necho_ports = %d\nchat_ports = %d\nprobe_ports = %d\n", mods, echo, chat, probePort)
	}
	th := startHost(t, body(`"echo", "watcher"`), map[string]string{"watcher": watcher})
	cfg := filepath.Join(th.dir, "prosody.cfg.lua")
	head, _ := os.ReadFile(cfg)
	head = head[:bytes.Index(head, []byte("modules_enabled"))]
	set := func(mods string) {
		os.WriteFile(cfg, append(append([]byte(nil), head...), body(mods)...), 0o644)
		if err := th.Reload("modules " + mods); err != nil {
			t.Fatal(err)
		}
	}
	c := dial(t, echo)
	set(`"echo", "chat", "watcher"`)
	if got := listening(t, []int{echo, chat}); fmt.Sprint(got) != fmt.Sprint(sorted([]int{echo, chat})) {
		t.Fatalf("after enabling chat: %v", got)
	}
	dial(t, chat).Expect("* welcome, guest1 (/nick NAME, /who, /quit)")
	if got := probe(t, probePort); got != "reloads=1" {
		t.Errorf("config-reloaded: %s", got)
	}
	set(`"chat"`) // echo and watcher go
	if got := listening(t, []int{echo, chat, probePort}); fmt.Sprint(got) != fmt.Sprint([]int{chat}) {
		t.Fatalf("after disabling echo: %v", got)
	}
	th.waitLog(t, "watcher unloaded")
	c.Send("echo's connection outlives its module's listener\n")
	c.Expect("echo's connection outlives its module's listener")
}
