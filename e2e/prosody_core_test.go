package e2e

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// prosodyModules is where Debian's prosody-modules package puts each
// community module, in a folder of its own.
const prosodyModules = "/usr/lib/prosody/modules"

// needModule skips (or, on CI, fails) a test whose module file is missing.
func needModule(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(prosodyModules, "mod_"+name)
	if _, err := os.Stat(filepath.Join(dir, "mod_"+name+".lua")); err != nil {
		testenv.NeedTool(t, "mod_"+name+".lua", "prosody-modules")
	}
	return dir
}

// dovecotCase is one AUTH request: its mechanism and the SASL message.
type dovecotCase struct{ mech, msg string }

var dovecotCases = []dovecotCase{
	{"PLAIN", "\x00alice\x00s3cret pw"},
	{"PLAIN", "\x00alice\x00s3cret pX"},
	{"PLAIN", "\x00ALICE\x00s3cret pw"},
	{"PLAIN", "admin\x00bob\x00another one"},
	{"PLAIN", "\x00nobody\x00s3cret pw"},
	{"PLAIN", "\x00alice"},
	{"FOO", "x"},
}

// dovecotAnswers speaks Dovecot's auth protocol to the service on port:
// the handshake, then each case as AUTH request i+1, returning the
// answer lines.
func dovecotAnswers(t *testing.T, port int) []string {
	t.Helper()
	c, err := net.DialTimeout("tcp", loopback(port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		if line == "DONE\n" {
			break
		}
	}
	fmt.Fprintf(c, "VERSION\t1\t1\nCPID\t4242\n")
	var out []string
	for i, k := range dovecotCases {
		fmt.Fprintf(c, "AUTH\t%d\t%s\tservice=smtp\tresp=%s\n", i+1, k.mech, base64.StdEncoding.EncodeToString([]byte(k.msg)))
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("AUTH %d: %v", i+1, err)
		}
		out = append(out, strings.TrimSuffix(line, "\n"))
	}
	return out
}

// TestDovecotAuthAnswersAsProsody: Prosody's mod_net_dovecotauth, run by
// moonport on the accounts prosodyctl made, gives each AUTH request the
// answer Prosody 0.12 gives (OK with the user, or FAIL and the reason).
func TestDovecotAuthAnswersAsProsody(t *testing.T) {
	testenv.NeedRoot(t)
	prosody := testenv.NeedTool(t, "prosody", "prosody")
	prosodyctl := testenv.NeedTool(t, "prosodyctl", "prosody")
	plugin := needModule(t, "net_dovecotauth")
	bin := testenv.Binary(t)
	dir := t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o755) // prosody reads the config as its own user
	os.Chmod(dir, 0o755)
	data := filepath.Join(dir, "data")
	os.Mkdir(data, 0o750)
	if out, err := exec.Command("chown", "prosody:", data).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	p := testenv.FreePorts(t, 2)
	common := fmt.Sprintf("data_path = %q\ninterfaces = { \"127.0.0.1\" }\nplugin_paths = { %q }\nmodules_disabled = { \"c2s\", \"s2s\" }\n", data, plugin)
	host := "VirtualHost \"example.com\"\nmodules_enabled = { \"net_dovecotauth\" }\n"
	pcfg := filepath.Join(dir, "prosody.cfg.lua")
	os.WriteFile(pcfg, []byte(common+fmt.Sprintf("pidfile = %q\nlog = { { to = \"file\", filename = %q } }\ndovecotauth_ports = { %d }\n",
		filepath.Join(data, "prosody.pid"), filepath.Join(data, "prosody.log"), p[0])+host), 0o644)
	for _, u := range [][2]string{{"alice", "s3cret pw"}, {"bob", "another one"}} {
		if out, err := exec.Command(prosodyctl, "--config", pcfg, "register", u[0], "example.com", u[1]).CombinedOutput(); err != nil {
			t.Fatalf("prosodyctl register %s: %v\n%s", u[0], err, out)
		}
	}
	cmd := exec.Command(prosody, "--config", pcfg, "-F")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	logFile := filepath.Join(dir, "moonport.log")
	mcfg := testenv.WriteConfig(t, common+fmt.Sprintf("run_as_root = true\nlog = { { to = \"file\", filename = %q } }\ndovecotauth_ports = { %d }\n", logFile, p[1])+host)
	startMoonport(t, bin, mcfg)
	testenv.WaitListening(t, p[0], loopback(p[0]))
	if !t.Run("moonport listens", func(t *testing.T) { testenv.WaitListening(t, p[1], loopback(p[1])) }) {
		b, _ := os.ReadFile(logFile)
		t.Fatalf("moonport's log:\n%s", b)
	}

	want, got := dovecotAnswers(t, p[0]), dovecotAnswers(t, p[1])
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("moonport answered\n%s\nProsody\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.HasPrefix(want[0], "OK\t1\tuser=alice") || !strings.HasPrefix(want[1], "FAIL\t2") {
		t.Errorf("Prosody's own answers are not what this test expects: %q", want)
	}
}
