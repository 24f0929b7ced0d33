package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

func TestSocketActivation(t *testing.T) {
	activate := testenv.NeedTool(t, "systemd-socket-activate", "systemd")
	bin := testenv.Binary(t)
	port := testenv.FreePorts(t, 1)[0]
	logFile := filepath.Join(t.TempDir(), "moonport.log")
	cfg := echoConfig(t, port, fmt.Sprintf("log = { { to = \"file\", filename = %q } }\n", logFile))
	testenv.Start(t, activate, testenv.Args("-l", fmt.Sprintf("127.0.0.1:%d", port), bin, "run", "--config", cfg))
	testenv.WaitListening(t, port, loopback(port)) // systemd-socket-activate's own socket
	echoes(t, port)                                // answered by moonport through that socket
	b, _ := os.ReadFile(logFile)
	if !strings.Contains(string(b), "uses the socket systemd passed for 127.0.0.1:") || strings.Contains(string(b), "in use") {
		t.Errorf("moonport did not adopt the passed socket:\n%s", b)
	}
}

func TestSystemdNotifyAndLogReopen(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	sockPath := filepath.Join(dir, "notify.sock")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sockPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	port := testenv.FreePorts(t, 1)[0]
	logFile := filepath.Join(dir, "moonport.log")
	cfg := echoConfig(t, port, fmt.Sprintf("log = { { to = \"file\", filename = %q } }\n", logFile))
	proc := testenv.Start(t, bin, testenv.Config(cfg), testenv.Env("NOTIFY_SOCKET="+sockPath))
	expect := func(want string) string {
		t.Helper()
		buf := make([]byte, 4096)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			sock.SetReadDeadline(deadline)
			n, err := sock.Read(buf)
			if err != nil {
				break
			}
			if msg := string(buf[:n]); strings.Contains(msg, want) {
				return msg
			}
		}
		t.Fatalf("systemd was never told %q", want)
		return ""
	}
	if msg := expect("READY=1"); !strings.Contains(msg, "STATUS=1 listener(s)") {
		t.Errorf("READY message: %q", msg)
	}
	echoes(t, port)
	proc.Signal(syscall.SIGHUP)
	if msg := expect("RELOADING=1"); !strings.Contains(msg, "MONOTONIC_USEC=") {
		t.Errorf("RELOADING message: %q", msg)
	}
	expect("READY=1")

	// logrotate: move the file away, SIGUSR1, and new lines go to a new file.
	rotated := logFile + ".1"
	if err := os.Rename(logFile, rotated); err != nil {
		t.Fatal(err)
	}
	proc.Signal(syscall.SIGUSR1)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(logFile); err == nil && strings.Contains(string(b), "Reopened log files") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no new log file after SIGUSR1")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if b, _ := os.ReadFile(rotated); !strings.Contains(string(b), "Reloaded (SIGHUP)") {
		t.Errorf("the rotated file lost its lines:\n%s", b)
	}
	proc.Signal(syscall.SIGTERM)
	expect("STOPPING=1")
}

func TestPrivilegeDrop(t *testing.T) {
	testenv.NeedRoot(t)
	bin := testenv.Binary(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755)
	first := lowPort(t, 0)
	second := lowPort(t, first)
	mods, _ := filepath.Abs("../examples/modules")
	cfg := filepath.Join(dir, "prosody.cfg.lua")
	write := func(ports string) {
		os.WriteFile(cfg, []byte(fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { %s }\nprosody_user = \"nobody\"\nprosody_group = \"nogroup\"\nreload_on_change = false\n", mods, ports)), 0o644)
	}
	write(fmt.Sprint(first))
	proc := testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, first, loopback(first))
	waitNobody(t, proc.Pid())
	// Every thread is unprivileged but the binder, which holds only
	// CAP_NET_BIND_SERVICE (bit 10).
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", proc.Pid()))
	binders := 0
	for _, task := range tasks {
		b, _ := os.ReadFile(task)
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "CapEff:\t"); ok {
				switch v {
				case "0000000000000000":
				case "0000000000000400":
					binders++
				default:
					t.Errorf("thread %s has capabilities %s", task, v)
				}
			}
		}
	}
	if binders != 1 {
		t.Errorf("%d threads can bind low ports, want 1", binders)
	}
	echoes(t, first)
	// A reload adding another low port still binds it.
	write(fmt.Sprintf("%d, %d", first, second))
	proc.Signal(syscall.SIGHUP)
	testenv.WaitListening(t, second, loopback(second))
	echoes(t, second)
}

// TestZeroDowntimeUpgrade hands the listening socket to a new process
// (SIGUSR2) while clients keep connecting: none may be refused.
func TestZeroDowntimeUpgrade(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "moonport.pid")
	port := testenv.FreePorts(t, 1)[0]
	cfg := echoConfig(t, port, fmt.Sprintf("pidfile = %q\nlog = \"error\"\nnetwork_settings = { shutdown_deadline = 2 }\n", pidfile))
	proc := testenv.Start(t, bin, testenv.Config(cfg))
	oldPID := proc.Pid()
	var newPID int
	defer func() {
		if newPID > 0 {
			syscall.Kill(newPID, syscall.SIGKILL)
		}
	}()
	testenv.WaitListening(t, port, loopback(port))

	stop := make(chan struct{})
	result := make(chan [2]int, 1)
	go func() {
		ok, failed := 0, 0
		for {
			select {
			case <-stop:
				result <- [2]int{ok, failed}
				return
			default:
			}
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 2*time.Second)
			if err != nil {
				failed++
				continue
			}
			c.SetDeadline(time.Now().Add(3 * time.Second))
			fmt.Fprintf(c, "hi\n")
			buf := make([]byte, 3)
			if n, err := c.Read(buf); err != nil || string(buf[:n]) != "hi\n" {
				failed++
			} else {
				ok++
			}
			c.Close()
		}
	}()
	time.Sleep(200 * time.Millisecond) // traffic before the upgrade
	proc.Signal(syscall.SIGUSR2)
	select {
	case <-proc.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the old process did not exit after the upgrade")
	}
	b, _ := os.ReadFile(pidfile)
	fmt.Sscanf(strings.TrimSpace(string(b)), "%d", &newPID)
	if newPID == 0 || newPID == oldPID {
		t.Fatalf("pidfile says %q; want the new process's PID (old was %d)", b, oldPID)
	}
	time.Sleep(200 * time.Millisecond) // traffic after it
	close(stop)
	r := <-result
	if r[1] != 0 || r[0] < 10 {
		t.Fatalf("%d connections served, %d refused or broken during the upgrade", r[0], r[1])
	}
	t.Logf("%d connections across the upgrade, none refused", r[0])
	syscall.Kill(newPID, syscall.SIGTERM)
}

// TestScaleOutRecipe runs examples/scale-out end to end: HAProxy in front
// of two moonport instances sharing one port with reuse_port, PROXY v2 and
// health checks; clients are spread over both with their own address, and
// stopping one instance loses no client. The key-value service behind
// HAProxy's second frontend keeps its data in PostgreSQL (the recipe's sql
// line pointed at a server of the test's own), so every connection, to
// whichever instance, reads what one wrote.
func TestScaleOutRecipe(t *testing.T) {
	haproxy := testenv.NeedTool(t, "haproxy", "haproxy")
	bin := testenv.Binary(t)
	dir := t.TempDir()
	pg := testenv.Postgres(t) // first: its port is taken before ours are chosen
	p := testenv.FreePorts(t, 4)
	back, front, kvBack, kvFront := p[0], p[1], p[2], p[3]
	ports := strings.NewReplacer("7700", fmt.Sprint(back), "7800", fmt.Sprint(front), "7701", fmt.Sprint(kvBack), "7801", fmt.Sprint(kvFront))
	os.WriteFile(filepath.Join(dir, "mod_whoami.lua"), []byte(`module:provides("net", { name = "echo", default_port = 1, listener = {
	onconnect = function(conn) conn:write(module:get_option_string("instance_name") .. " " .. conn:ip() .. "\n"); conn:close() end } })`), 0o644)
	recipe, _ := os.ReadFile("../examples/scale-out/moonport.cfg.lua")
	cfgText := ports.Replace(strings.ReplaceAll(string(recipe), `"echo"`, `"whoami"`))
	sqlLine := regexp.MustCompile(`(?m)^sql = \{.*\}$`)
	if !sqlLine.MatchString(cfgText) {
		t.Fatalf("the recipe has no line sql = { … }:\n%s", cfgText)
	}
	cfgText = sqlLine.ReplaceAllLiteralString(cfgText, fmt.Sprintf("sql = { driver = \"PostgreSQL\", database = %q, host = %q, port = %d, username = %q, password = %q }",
		pg.Database, pg.Host, pg.Port, pg.User, pg.Password))
	var instances []*testenv.Process
	for _, name := range []string{"a", "b"} {
		cfg := filepath.Join(dir, name+".cfg.lua")
		examples, _ := filepath.Abs("../examples/modules")
		os.WriteFile(cfg, []byte(cfgText+fmt.Sprintf("\ninstance_name = %q\nrun_as_root = true\nlog = \"error\"\nplugin_paths = { %q, %q }\n", name, dir, examples)), 0o644)
		instances = append(instances, testenv.Start(t, bin, testenv.Config(cfg)))
	}
	hcfg, _ := os.ReadFile("../examples/scale-out/haproxy.cfg")
	h := ports.Replace(string(hcfg))
	hpath := filepath.Join(dir, "haproxy.cfg")
	os.WriteFile(hpath, []byte(h), 0o644)
	testenv.Start(t, haproxy, testenv.Args("-db", "-f", hpath))
	testenv.WaitListening(t, front, loopback(front))
	testenv.WaitListening(t, kvFront, loopback(kvFront))
	ask := func() string {
		d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.9")}}
		c, err := d.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", front))
		if err != nil {
			return "dial: " + err.Error()
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 64)
		n, _ := c.Read(buf)
		return strings.TrimSpace(string(buf[:n]))
	}
	seen := map[string]int{}
	deadline := time.Now().Add(15 * time.Second)
	for (seen["a 127.0.0.9"] == 0 || seen["b 127.0.0.9"] == 0) && time.Now().Before(deadline) {
		seen[ask()]++
	}
	if seen["a 127.0.0.9"] == 0 || seen["b 127.0.0.9"] == 0 {
		t.Fatalf("clients were not spread over both instances with their own address: %v", seen)
	}
	for k := range seen {
		if k != "a 127.0.0.9" && k != "b 127.0.0.9" {
			t.Errorf("unexpected answer %q", k)
		}
	}
	kvThroughHAProxy(t, kvFront)
	// Stop one instance: the other serves every client.
	instances[0].Signal(syscall.SIGTERM)
	instances[0].Wait(20 * time.Second)
	for i := 0; i < 20; i++ {
		if got := ask(); got != "b 127.0.0.9" {
			t.Fatalf("after stopping a: %q", got)
		}
	}
}

// kvThroughHAProxy sets a key through HAProxy's kv frontend, then reads
// it on ten new connections, which HAProxy and reuse_port spread over
// the instances.
func kvThroughHAProxy(t *testing.T, port int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for { // HAProxy takes a server in once its health check passes
		c := testenv.DialLine(t, port)
		c.Send("SET colour blue\n")
		got, _ := c.ReadLine()
		c.Close()
		if got == "OK" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SET through HAProxy: %q", got)
		}
	}
	for range 10 {
		kvSession(t, port, "GET colour=VALUE blue")
	}
}
