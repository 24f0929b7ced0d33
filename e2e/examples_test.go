package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// smtpCerts is the certificate step of examples/smtp.cfg.lua's header and
// the README, as written there.
const smtpCerts = `mkdir -p examples/certs && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
  -nodes -days 30 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
  -keyout examples/certs/localhost.key -out examples/certs/localhost.crt && chmod 600 examples/certs/localhost.key`

// example is one command line of the README, run from the repository root.
type example struct {
	name  string
	setup string   // shell lines the README has before it, or ""
	cmd   string   // the command line, exactly as documented
	ready []string // log lines that tell it serves
	port  int      // a loopback port to probe, 0 for none
	send  string   // what the probe writes
	want  string   // what the probe's first line holds
	// then are README lines run next, in the example's network, from
	// the repository root; their output must hold thenWant.
	then     []string
	thenWant []string
}

var examples = []example{
	{name: "embedded", cmd: "moonport", ready: []string{"Activated service 'echo'", "Activated service 'chat'"}, port: 7007, send: "ping\n", want: "ping"},
	{name: "default", cmd: "moonport run --config examples/default.cfg.lua", ready: []string{"Activated service 'echo'", "Activated service 'chat'"}, port: 7008, send: "/who\n", want: ""},
	{name: "prosody", cmd: "moonport run --config examples/prosody.cfg.lua", ready: []string{"Activated service 'echo'", "Activated service 'chat'", "Activated service 'forward'"}, port: 7009, send: "ping\n", want: "ping"},
	{name: "smtp", setup: smtpCerts, cmd: "moonport run --config examples/smtp.cfg.lua", ready: []string{"Activated service 'smtp'"}, port: 2525, want: "220"},
	{name: "kv", cmd: "moonport run --config examples/kv.cfg.lua", ready: []string{"Activated service 'kv'"}, port: 7011, send: "GET colour\n", want: "NOT_FOUND",
		then: []string{`printf 'SET colour blue\nGET colour\nKEYS\n' | nc -q 1 127.0.0.1 7011   # OK, VALUE blue, KEYS colour`,
			`cat 'examples/data/%2a/kv.dat'                                          # ["colour"] = "blue"; in Prosody's format`},
		thenWant: []string{"OK\nVALUE blue\nKEYS colour\n", `["colour"] = "blue";`}},
	{name: "many-cores", cmd: "moonport run --config examples/many-cores.cfg.lua", ready: []string{"Activated service 'rate_limit'"}, port: 7010, send: "hello\n", want: "ok 1"},
	{name: "scale-out", cmd: "moonport run --config examples/scale-out/moonport.cfg.lua", ready: []string{"Activated service 'echo'"}, port: 7700, send: "PROXY TCP4 192.0.2.1 127.0.0.1 1234 7700\r\nping\n", want: "ping"},
}

// TestExamplesRunAsDocumented builds moonport with the README's command,
// then runs every example's documented command line from a copy of the
// repository's examples, as root and as a normal user (nobody), each in
// a network namespace of its own (the examples bind fixed loopback
// ports): the example must load every module, open its listeners, log no
// error, answer on a port and shut down cleanly.
func TestExamplesRunAsDocumented(t *testing.T) {
	testenv.NeedRoot(t)
	unshare := testenv.NeedTool(t, "unshare", "util-linux")
	testenv.NeedTool(t, "nsenter", "util-linux")
	testenv.NeedTool(t, "ip", "iproute2")
	testenv.NeedTool(t, "openssl", "openssl")
	binDir := t.TempDir()
	os.Chmod(binDir, 0o755)
	os.Chmod(filepath.Dir(binDir), 0o755)
	build := exec.Command("sh", "-c", "go build -o moonport .") // README, Install
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -o moonport .: %v\n%s", err, out)
	}
	if err := os.Rename("../moonport", filepath.Join(binDir, "moonport")); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"moonport check config --config examples/prosody.cfg.lua", "moonport ports --config examples/prosody.cfg.lua"} {
		cmd := exec.Command("sh", "-c", line)
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "PATH="+binDir+":"+os.Getenv("PATH"))
		if out, err := cmd.CombinedOutput(); err != nil || strings.Contains(string(out), "error") {
			t.Errorf("%s: %v\n%s", line, err, out)
		}
	}
	for _, user := range []string{"root", "nobody"} {
		for _, ex := range examples {
			t.Run(user+"/"+ex.name, func(t *testing.T) {
				t.Parallel()
				runExample(t, unshare, binDir, user, ex)
			})
		}
	}
}

// exampleRoot copies the repository's examples into a fresh folder that
// stands for the repository root, owned by user.
func exampleRoot(t *testing.T, user string) string {
	t.Helper()
	root := t.TempDir()
	os.Chmod(root, 0o755)
	os.Chmod(filepath.Dir(root), 0o755)
	if out, err := exec.Command("cp", "-a", "../examples", root).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	if user != "root" {
		if out, err := exec.Command("chown", "-R", user+":", root).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v\n%s", err, out)
		}
	}
	return root
}

func runExample(t *testing.T, unshare, binDir, user string, ex example) {
	root := exampleRoot(t, user)
	logFile := filepath.Join(root, "out.log")
	as := ""
	if user != "root" {
		as = "setpriv --reuid=" + user + " --regid=nogroup --clear-groups "
	}
	inner := filepath.Join(root, "run.sh")
	os.WriteFile(inner, []byte(ex.setup+"\nexec "+ex.cmd+"\n"), 0o644)
	script := fmt.Sprintf("ip link set lo up || exit 99\ncd %q || exit 99\nexec %senv HOME=%q PATH=%q sh -e %q >%q 2>&1\n",
		root, as, root, binDir+":/usr/bin:/bin:/usr/sbin:/sbin", inner, logFile)
	proc := testenv.Start(t, unshare, testenv.Args("-n", "sh", "-c", script))
	for _, r := range ex.ready {
		waitExampleLog(t, logFile, r, proc)
	}
	if ex.port != 0 {
		probe := fmt.Sprintf(`exec 3<>/dev/tcp/127.0.0.1/%d && printf %%s "$1" >&3 && read -t 5 l <&3; echo "$l"`, ex.port)
		out, err := exec.Command("nsenter", "-t", fmt.Sprint(proc.Pid()), "-n", "bash", "-c", probe, "probe", ex.send).CombinedOutput()
		if err != nil || !strings.Contains(string(out), ex.want) {
			b, _ := os.ReadFile(logFile)
			t.Fatalf("%s: port %d answered %q (%v), want %q; log:\n%s", ex.cmd, ex.port, out, err, ex.want, b)
		}
	}
	runThen(t, proc.Pid(), root, ex)
	proc.Signal(syscall.SIGTERM)
	select {
	case <-proc.Done():
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not stop within 15s of SIGTERM", ex.cmd)
	}
	err := proc.Err()
	b, _ := os.ReadFile(logFile)
	if err != nil || strings.Contains(string(b), "level=error") || strings.Contains(string(b), "level=fatal") {
		t.Fatalf("%s as %s: exit %v; log:\n%s", ex.cmd, user, err, b)
	}
}

// runThen runs the example's further README lines, each as written
// there, in the example's network namespace from its repository root.
func runThen(t *testing.T, pid int, root string, ex example) {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range ex.then {
		if !strings.Contains(string(readme), "\n"+line+"\n") {
			t.Errorf("README has no line %q", line)
		}
		cmd := exec.Command("nsenter", "-t", fmt.Sprint(pid), "-n", "sh", "-c", line)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), ex.thenWant[i]) {
			t.Errorf("%s: %v, output %q, want %q", line, err, out, ex.thenWant[i])
		}
	}
}

// waitExampleLog waits until the log holds what, failing at once when the
// example exits first.
func waitExampleLog(t *testing.T, file, what string, proc *testenv.Process) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(file)
		if strings.Contains(string(b), what) {
			return
		}
		select {
		case <-proc.Done():
			t.Fatalf("the example exited (%v) before logging %q:\n%s", proc.Err(), what, b)
		case <-time.After(25 * time.Millisecond):
		}
	}
	b, _ := os.ReadFile(file)
	t.Fatalf("the log never had %q:\n%s", what, b)
}

// TestInstallAsDocumented: the README's `go install .` puts a working
// moonport in $GOBIN (here a temporary folder, standing for ~/go/bin).
func TestInstallAsDocumented(t *testing.T) {
	gobin := t.TempDir()
	cmd := exec.Command("sh", "-c", "go install .")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOBIN="+gobin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install .: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(gobin, "moonport"), "version").CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) == 0 {
		t.Fatalf("moonport version after go install: %v\n%s", err, out)
	}
}
