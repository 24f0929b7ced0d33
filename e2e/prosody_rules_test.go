package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/tlsconf/tlstest"
	"github.com/moonport/moonport/internal/testenv"
)

// Prosody 0.12 semantics that depend on main's wiring: the user a root
// start becomes, where log lines go, and TLS tables written for LuaSec.

func needRoot(t *testing.T) {
	t.Helper()
	testenv.NeedRoot(t)
}

// withFiles runs bin with args in a mount namespace of its own in which
// each target file shows the content given (/etc/passwd without a user,
// /dev/log that is no socket); the rest of the machine sees nothing. The
// process keeps the command's PID (unshare and sh exec it). It returns the
// program and arguments for testenv.Start.
func withFiles(t *testing.T, files map[string]string, bin string, args ...string) (string, testenv.Option) {
	t.Helper()
	testenv.NeedTool(t, "unshare", "util-linux")
	script := ""
	for target, content := range files {
		src := filepath.Join(t.TempDir(), filepath.Base(target))
		if err := os.WriteFile(src, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		script += fmt.Sprintf("mount --bind %q %q && ", src, target)
	}
	return "unshare", testenv.Args(append([]string{"-m", "--propagation", "private", "sh", "-c", script + `exec "$0" "$@"`, bin}, args...)...)
}

// accounts returns /etc/passwd and /etc/group without their "prosody"
// lines, so a test can add its own or none.
func accounts(t *testing.T) (passwd, group string) {
	t.Helper()
	strip := func(file string) string {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var keep []string
		for _, l := range strings.SplitAfter(string(b), "\n") {
			if !strings.HasPrefix(l, "prosody:") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "")
	}
	return strip("/etc/passwd"), strip("/etc/group")
}

// ids reads the real and effective user and group of pid from /proc.
func ids(pid int) (uid, gid string) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 3 && (f[0] == "Uid:" || f[0] == "Gid:") {
			if f[1] != f[2] {
				return "", "" // mid-change
			}
			if f[0] == "Uid:" {
				uid = f[1]
			} else {
				gid = f[1]
			}
		}
	}
	return uid, gid
}

func rootConfig(t *testing.T, port int) string {
	t.Helper()
	mods, _ := filepath.Abs("../examples/modules")
	return testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { %d }\n", mods, port))
}

// TestRootBecomesProsodyUser: started as root with neither prosody_user
// nor run_as_root, moonport becomes the user prosody and the group of the
// same name, as Prosody does, and serves. The Debian package makes that
// user; without it the test lends the process one in a private mount
// namespace.
func TestRootBecomesProsodyUser(t *testing.T) {
	needRoot(t)
	bin := testenv.Binary(t)
	port := testenv.FreePorts(t, 1)[0]
	cfg := rootConfig(t, port)
	prog, args := bin, testenv.Config(cfg)
	wantUID, wantGID := "", ""
	if out, err := exec.Command("id", "-u", "prosody").Output(); err == nil {
		g, _ := exec.Command("getent", "group", "prosody").Output()
		if f := strings.Split(string(g), ":"); len(f) > 2 {
			wantUID, wantGID = strings.TrimSpace(string(out)), f[2]
		}
	}
	if wantUID == "" {
		passwd, group := accounts(t)
		prog, args = withFiles(t, map[string]string{
			"/etc/passwd": passwd + "prosody:x:64999:64998::/nonexistent:/usr/sbin/nologin\n",
			"/etc/group":  group + "prosody:x:64999:\n",
		}, bin, "run", "--config", cfg)
		wantUID, wantGID = "64999", "64999" // the group named prosody, not the user's primary group
	}
	proc := testenv.Start(t, prog, args)
	out := proc.WaitOutput("Now running as prosody", 20*time.Second)
	if !strings.Contains(out, `Running as root without prosody_user: switching to the user \"prosody\", as Prosody does`) {
		t.Errorf("no line telling why:\n%s", out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		uid, gid := ids(proc.Pid())
		if uid == wantUID && gid == wantGID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("process runs as uid %s gid %s, want %s %s:\n%s", uid, gid, wantUID, wantGID, proc.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	echoes(t, port)
}

// TestRootWithoutProsodyUserIsRefused: with no user prosody to become,
// root is refused as before (exit code 5), saying what to set.
func TestRootWithoutProsodyUserIsRefused(t *testing.T) {
	needRoot(t)
	bin := testenv.Binary(t)
	port := testenv.FreePorts(t, 1)[0]
	passwd, group := accounts(t)
	prog, args := withFiles(t, map[string]string{"/etc/passwd": passwd, "/etc/group": group}, bin, "run", "--config", rootConfig(t, port))
	proc := testenv.Start(t, prog, args)
	if code := proc.Wait(20 * time.Second); code != 5 {
		t.Errorf("exit %d, want code 5:\n%s", code, proc.Output())
	}
	if out := proc.Output(); !strings.Contains(out, `Refusing to run as root: set prosody_user`) || !strings.Contains(out, `there is no user \"prosody\" to switch to`) {
		t.Errorf("message:\n%s", out)
	}
}

// TestLogLevelsAndSyslogFallback: log = { info = a, error = b } sends
// info and up to a and errors to b (Prosody's levels = { min = level }),
// and a *syslog with no syslog daemon is a warning with the console in
// its place: the server starts.
func TestLogLevelsAndSyslogFallback(t *testing.T) {
	bin := testenv.Binary(t)
	port := testenv.FreePorts(t, 1)[0]
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	cfg := echoConfig(t, port, fmt.Sprintf("log = { info = %q; error = %q; warn = \"*syslog\" }\nmystery = 1\nmystery = 2\necho_ports = { %d, \"five\" }\n", a, b, port))
	prog, args := bin, testenv.Config(cfg)
	if _, err := os.Stat("/dev/log"); err == nil {
		// A syslog daemon listens here: hide it from this process only.
		testenv.NeedTool(t, "unshare", "util-linux")
		prog, args = withFiles(t, map[string]string{"/dev/log": ""}, bin, "run", "--config", cfg)
	}
	proc := testenv.Start(t, prog, args)
	testenv.WaitListening(t, port, loopback(port))
	echoes(t, port)
	logA := waitLog(t, a, "Duplicate option 'mystery'", 1)
	waitLog(t, a, `five\" is not a port`, 1)
	for _, want := range []string{"level=info", "Activated service 'echo'", "level=warning", "level=error"} {
		if !strings.Contains(logA, want) {
			t.Errorf("a.log (info and up) lacks %q:\n%s", want, logA)
		}
	}
	logB := waitLog(t, b, `five\" is not a port`, 1)
	if strings.Contains(logB, "level=warning") || strings.Contains(logB, "level=info") {
		t.Errorf("b.log must hold errors only:\n%s", logB)
	}
	// The console stands in for syslog, from warn up.
	proc.WaitOutput("cannot reach syslog", 20*time.Second)
	proc.WaitOutput("logging to the console instead", 20*time.Second)
	out := proc.WaitOutput("Duplicate option 'mystery'", 20*time.Second)
	if strings.Contains(out, "Activated service 'echo'") {
		t.Errorf("the console standing in for syslog logs from warn up, not info:\n%s", out)
	}
}

// muxTLSModule declares a direct TLS service the way Prosody's modules
// do: ssl_config with an alpn function (mod_net_multiplex), verify as
// mod_s2s declares it, and LuaSec keys moonport does not use.
const muxTLSModule = `
module:provides("net", {
	name = "mux_tls";
	encryption = "ssl";
	ssl_config = {
		alpn = function(offered)
			return { "xmpp-client", "h2" };
		end;
		verify = { "peer", "client_once" };
		dhparam = "dh.pem";
		options = { "no_sslv3", "no_query_mtu" };
	};
	listener = {
		onconnect = function(conn)
			conn:write("alpn=" .. conn:alpn() .. "\n");
			conn:close();
		end;
	};
});
`

// TestProsodyTLSTables: the service binds (it used to fail: an alpn
// function, verify without cafile), the alpn function picks the protocol
// at each handshake, clients with and without a certificate get in, one
// whose CA is not in the system's store does not, and the ignored keys are
// warned about with the module's file and line.
func TestProsodyTLSTables(t *testing.T) {
	openssl := testenv.NeedTool(t, "openssl", "openssl")
	bin := testenv.Binary(t)
	port := testenv.FreePorts(t, 1)[0]
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	ca.Server(t, dir, "localhost")
	clientCrt, clientKey := ca.Issue(t, filepath.Join(dir, "c"), time.Now().Add(-time.Hour), time.Now().Add(time.Hour), true, "client.example")
	strangerCrt, strangerKey := tlstest.NewCA(t, t.TempDir()).Issue(t, filepath.Join(dir, "s"), time.Now().Add(-time.Hour), time.Now().Add(time.Hour), true, "stranger.example")
	mods := filepath.Join(dir, "mods")
	os.Mkdir(mods, 0o755)
	os.WriteFile(filepath.Join(mods, "mod_mux_tls.lua"), []byte(muxTLSModule), 0o644)
	cfg := testenv.WriteConfig(t, fmt.Sprintf(`plugin_paths = { %q }
modules_enabled = { "mux_tls" }
interfaces = { "127.0.0.1" }
mux_tls_ports = { %d }
run_as_root = true
ssl = { certificate = %q, key = %q }
`, mods, port, filepath.Join(dir, "localhost.crt"), filepath.Join(dir, "localhost.key")))
	// The system's CA store, as Go reads it, is the test CA alone.
	proc := testenv.Start(t, bin, testenv.Config(cfg), testenv.Env("SSL_CERT_FILE="+ca.CertFile, "SSL_CERT_DIR="+t.TempDir()))
	testenv.WaitListening(t, port, loopback(port))
	for _, want := range []string{
		filepath.Join(mods, "mod_mux_tls.lua") + ":2: ssl_config of service 'mux_tls': dhparam is ignored",
		"ssl_config of service 'mux_tls': options.no_query_mtu is ignored",
	} {
		proc.WaitOutput(want, 20*time.Second)
	}
	sClient := func(args ...string) string {
		t.Helper()
		all := append([]string{"s_client", "-connect", loopback(port), "-CAfile", ca.CertFile, "-servername", "localhost", "-alpn", "h2,http/1.1", "-ign_eof"}, args...)
		c := exec.Command(openssl, all...)
		c.Stdin = strings.NewReader("")
		timer := time.AfterFunc(20*time.Second, func() { c.Process.Kill() })
		defer timer.Stop()
		b, _ := c.CombinedOutput()
		return string(b)
	}
	for name, args := range map[string][]string{"no client certificate": nil, "a client certificate": {"-cert", clientCrt, "-key", clientKey}} {
		got := sClient(args...)
		if !strings.Contains(got, "ALPN protocol: h2") || !strings.Contains(got, "alpn=h2") {
			t.Errorf("%s: want the handshake to pick h2 through the alpn function:\n%s", name, got)
		}
	}
	if got := sClient("-cert", strangerCrt, "-key", strangerKey); strings.Contains(got, "alpn=h2") {
		t.Errorf("a client certificate of an unknown CA was accepted:\n%s", got)
	}
	if out := proc.Output(); strings.Count(out, "dhparam is ignored") != 1 {
		t.Errorf("the warning must be given once:\n%s", out)
	}
}
