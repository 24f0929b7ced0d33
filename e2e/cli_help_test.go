package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// cliRun runs the binary with args, bounded in time, and returns its exit
// code, stdout and stderr.
func cliRun(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Wait()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("moonport %q: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// cliHelpTable reads `moonport help`: each command's synopsis ("moonport
// check [config|ports|certs|perms|storage] [--config FILE]") and its one-line
// summary, in order. A long synopsis has its summary on the next line.
func cliHelpTable(t *testing.T, out string) [][2]string {
	t.Helper()
	var rows [][2]string
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !strings.HasPrefix(l, "  moonport ") {
			continue
		}
		syn, short, ok := strings.Cut(strings.TrimSpace(l), "  ")
		if !ok && i+1 < len(lines) {
			i++
			short = lines[i]
		}
		rows = append(rows, [2]string{syn, strings.TrimSpace(short)})
	}
	if len(rows) == 0 {
		t.Fatalf("moonport help lists no command:\n%s", out)
	}
	return rows
}

// cliReadmeTable reads the command table of README's "Command line" section.
func cliReadmeTable(t *testing.T) [][2]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "\n## Command line\n")
	if !ok {
		t.Fatal("README has no Command line section")
	}
	sec, _, _ = strings.Cut(sec, "\n#")
	var rows [][2]string
	for _, l := range strings.Split(sec, "\n") {
		if !strings.HasPrefix(l, "| `moonport") {
			continue
		}
		l = strings.ReplaceAll(l, `\|`, "\x00")
		cells := strings.Split(strings.Trim(l, "| "), "|")
		if len(cells) != 2 {
			t.Fatalf("README row %q: want two cells", l)
		}
		syn := strings.Trim(strings.TrimSpace(strings.ReplaceAll(cells[0], "\x00", "|")), "`")
		rows = append(rows, [2]string{syn, strings.TrimSpace(strings.ReplaceAll(cells[1], "\x00", "|"))})
	}
	return rows
}

// TestCLIHelpMatchesREADME: README's "Command line" table lists exactly the
// commands `moonport help` prints, in its order, with the same synopsis
// and one-line summary.
func TestCLIHelpMatchesREADME(t *testing.T) {
	bin := testenv.Binary(t)
	code, out, errOut := cliRun(t, bin, "help")
	if code != 0 || errOut != "" {
		t.Fatalf("moonport help: exit %d, stderr %q", code, errOut)
	}
	help, readme := cliHelpTable(t, out), cliReadmeTable(t)
	for i := 0; i < max(len(help), len(readme)); i++ {
		switch {
		case i >= len(readme):
			t.Errorf("README's Command line table lacks `%s` | %s", help[i][0], help[i][1])
		case i >= len(help):
			t.Errorf("README lists `%s`, which moonport help does not", readme[i][0])
		case help[i] != readme[i]:
			t.Errorf("row %d: moonport help prints\n  %q | %q\nREADME has\n  %q | %q", i+1, help[i][0], help[i][1], readme[i][0], readme[i][1])
		}
	}
}

// TestCLIHelpOnEveryCommand: `moonport help NAME`, `NAME -h` and `NAME
// --help` print the command's usage on stdout and exit 0; `moonport
// --help` and `-h` are `moonport help`.
func TestCLIHelpOnEveryCommand(t *testing.T) {
	bin := testenv.Binary(t)
	_, list, _ := cliRun(t, bin, "help")
	for _, flag := range []string{"--help", "-h"} {
		if code, out, errOut := cliRun(t, bin, flag); code != 0 || out != list || errOut != "" {
			t.Errorf("moonport %s: exit %d, stderr %q, stdout\n%s", flag, code, errOut, out)
		}
	}
	for _, row := range cliHelpTable(t, list) {
		name := strings.Trim(strings.Fields(row[0])[1], "[]")
		want := "Usage: " + strings.ReplaceAll(row[0], "[run]", "run") + "\n\n" + row[1] + "\n"
		for _, args := range [][]string{{"help", name}, {name, "-h"}, {name, "--help"}} {
			code, out, errOut := cliRun(t, bin, args...)
			if code != 0 || !strings.HasPrefix(out, want) || errOut != "" {
				t.Errorf("moonport %s: exit %d, stderr %q, stdout\n%s\nwant it to begin\n%s", strings.Join(args, " "), code, errOut, out, want)
			}
		}
	}
}

// TestCLIVersion: `moonport version` and `--version` print the version, the
// Go that built the binary and the Lua VM, and exit 0.
func TestCLIVersion(t *testing.T) {
	bin := testenv.Binary(t)
	code, out, _ := cliRun(t, bin, "version")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "moonport ") || !strings.HasPrefix(lines[1], "go go1.") ||
		!strings.Contains(lines[2], "gopher-lua") || !strings.Contains(lines[2], "fork") {
		t.Errorf("moonport version: exit %d\n%s", code, out)
	}
	if code, same, errOut := cliRun(t, bin, "--version"); code != 0 || same != out {
		t.Errorf("moonport --version: exit %d %q\n%s", code, errOut, same)
	}
}

// TestCLIUnknownCommandsAndFlags: a misspelt command, check or flag, and an
// argument a command does not take, exit 64 naming the nearest one.
func TestCLIUnknownCommandsAndFlags(t *testing.T) {
	bin := testenv.Binary(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"chek"}, `unknown command "chek"; did you mean "check"?`},
		{[]string{"ver"}, `unknown command "ver"; did you mean "version"?`},
		{[]string{"help", "prots"}, `unknown command "prots"; did you mean "ports"?`},
		{[]string{"check", "cofig"}, `unknown check "cofig"; did you mean "config"?`},
		{[]string{"run", "--confg", "x.cfg.lua"}, `moonport run: unknown flag --confg; did you mean "--config"?`},
		{[]string{"ports", "-confg=x.cfg.lua"}, `moonport ports: unknown flag --confg; did you mean "--config"?`},
		{[]string{"--confg", "x.cfg.lua"}, `moonport run: unknown flag --confg; did you mean "--config"?`},
		{[]string{"ports", "--config"}, "moonport ports: flag needs an argument"},
		{[]string{"version", "now"}, `moonport version: unexpected argument "now"`},
		{[]string{"reload", "now"}, `moonport reload: unexpected argument "now"`},
	} {
		code, out, errOut := cliRun(t, bin, c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("moonport %s: exit %d, want %d and %q; stderr\n%s", strings.Join(c.args, " "), code, exitUsage, c.want, errOut)
		}
	}
}

// TestCLIConfigFlagForms: --config FILE, --config=FILE, -c FILE and -c=FILE
// name the config, for ports and for run, whose pidfile is written.
func TestCLIConfigFlagForms(t *testing.T) {
	bin := testenv.Binary(t)
	dir, _ := filepath.Abs("../examples/modules")
	port := testenv.FreePort(t, "tcp4")
	pid := filepath.Join(t.TempDir(), "moonport.pid")
	cfg := testenv.WriteConfig(t, fmt.Sprintf("run_as_root = true\nplugin_paths = { %q }\nmodules_enabled = { \"echo\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { %d }\npidfile = %q\n", dir, port, pid))
	for _, form := range [][]string{{"--config", cfg}, {"--config=" + cfg}, {"-c", cfg}, {"-c=" + cfg}, {"-config=" + cfg}} {
		code, out, errOut := cliRun(t, bin, append([]string{"ports"}, form...)...)
		if code != 0 || !strings.Contains(out, fmt.Sprintf("127.0.0.1  %d", port)) {
			t.Errorf("moonport ports %s: exit %d %q\n%s", strings.Join(form, " "), code, errOut, out)
		}
		os.Remove(pid)
		run := testenv.Start(t, bin, testenv.Args(append([]string{"run"}, form...)...))
		got := testenv.WaitFile(t, pid, fmt.Sprint(run.Pid()), 15*time.Second)
		run.Kill()
		if strings.TrimSpace(got) != fmt.Sprint(run.Pid()) {
			t.Errorf("moonport run %s: pidfile %q, want %d", strings.Join(form, " "), got, run.Pid())
		}
	}
}

// TestCLIPortsFailsOnAPlanError: `moonport ports` prints the plan's errors
// and exits 1, as README's exit codes say.
func TestCLIPortsFailsOnAPlanError(t *testing.T) {
	bin := testenv.Binary(t)
	dir, _ := filepath.Abs("../examples/modules")
	port := testenv.FreePort(t, "tcp4")
	cfg := testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q }\nmodules_enabled = { \"echo\", \"chat\" }\ninterfaces = { \"127.0.0.1\" }\necho_ports = { %d }\nchat_ports = { %d }\n", dir, port, port))
	code, out, _ := cliRun(t, bin, "ports", "--config", cfg)
	if code != 1 || !strings.Contains(out, "error: "+cfg+":5: Multiple services configured to listen on the same port") {
		t.Errorf("moonport ports: exit %d, want 1\n%s", code, out)
	}
}
