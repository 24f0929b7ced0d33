package compat

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// This file is the part of the suite other instruments reuse (the module
// census, compat/census): running one host inside netns.sh and reading
// what it reports.

// RunUser is the user both hosts run as, the one Debian's prosody package
// creates and its systemd unit runs Prosody as.
const RunUser = "prosody"

// RunTimeout bounds one host's run: COMPAT_TIMEOUT (10 s) to settle, up to
// 5 s to stop, and the namespace setup; a probe may add 20 s.
const RunTimeout = 30 * time.Second

// probeTimeout is what netns.sh gives a probe at most.
const probeTimeout = 20 * time.Second

// Outcome is what one host did with one config.
type Outcome struct {
	Sockets []string // "tcp 0.0.0.0:5222", sorted
	Running bool
	Exit    string // the exit code, when it exited
	Settled bool   // false: still changing when the time was up
	Output  string // the file holding what the host printed
}

// State is "running", "running, not settled" or "exited CODE".
func (o Outcome) State() string {
	switch {
	case !o.Running:
		return "exited " + o.Exit
	case !o.Settled:
		return "running, not settled"
	}
	return "running"
}

// BaseEnv is the environment every host run gets, and nothing from the
// caller's own.
func BaseEnv() []string {
	return []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "HOME=/var/lib/prosody"}
}

// Namespace is one run of a command by netns.sh, inside fresh network,
// mount and PID namespaces: see netns.sh for what it sets up and reports.
type Namespace struct {
	Script string      // netns.sh, an absolute path
	Occupy [][3]string // proto, address, port held with nc before the start
	Probe  string      // run inside the namespace once the host has settled, if it still runs (netns.sh --probe)
	Work   string      // the run's folder: the host's output goes to Work/out
	User   string      // the user the command runs as
	Env    []string    // the command's whole environment
	Argv   []string    // the command
}

// Run runs the command, bounded by RunTimeout (and the probe's 20 s), and
// returns what it did.
func (n Namespace) Run() (Outcome, error) {
	args := []string{"--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc",
		"--propagation", "private", "bash", n.Script}
	for _, o := range n.Occupy {
		args = append(args, "--occupy", o[0], o[1], o[2])
	}
	if n.Probe != "" {
		args = append(args, "--probe", n.Probe)
	}
	args = append(args, n.Work, n.User, "env", "-i")
	args = append(args, n.Env...)
	args = append(args, n.Argv...)

	limit := RunTimeout
	if n.Probe != "" {
		limit += probeTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return Outcome{}, fmt.Errorf("%s: %v: %s", strings.Join(n.Argv, " "), err, stderr.String())
	}
	return ParseOutcome(string(out), filepath.Join(n.Work, "out"))
}

// ParseOutcome reads netns.sh's report.
func ParseOutcome(report, output string) (Outcome, error) {
	o := Outcome{Output: output}
	seen := false
	for _, line := range strings.Split(strings.TrimSpace(report), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "listen":
			o.Sockets = append(o.Sockets, f[1]+" "+f[2])
		case len(f) == 2 && f[0] == "state" && f[1] == "running":
			o.Running, seen = true, true
		case len(f) == 3 && f[0] == "state" && f[1] == "exited":
			o.Exit, seen = f[2], true
		case len(f) == 2 && f[0] == "settled":
			o.Settled = f[1] != "no"
		default:
			return o, fmt.Errorf("netns.sh reported %q", line)
		}
	}
	if !seen {
		return o, fmt.Errorf("netns.sh reported no state: %q", report)
	}
	sort.Strings(o.Sockets)
	return o, nil
}

// NamespaceProblem says why netns.sh cannot run here, "" when it can: it
// needs root, prosody, util-linux, iproute2 and the user RunUser.
func NamespaceProblem() string {
	for _, tool := range [][2]string{{"prosody", "prosody"}, {"unshare", "util-linux"},
		{"setpriv", "util-linux"}, {"ss", "iproute2"}, {"ip", "iproute2"}} {
		if _, err := exec.LookPath(tool[0]); err != nil {
			return fmt.Sprintf("%s is not installed (Debian package %s)", tool[0], tool[1])
		}
	}
	if os.Geteuid() != 0 {
		return "running hosts in network namespaces (unshare -n) needs root: run as root"
	}
	if _, err := user.Lookup(RunUser); err != nil {
		return "both hosts run as the user " + RunUser + ", which the prosody package creates"
	}
	if out, err := exec.Command("unshare", "--net", "--mount", "--pid", "--fork", "true").CombinedOutput(); err != nil {
		return fmt.Sprintf("cannot make namespaces here (unshare: %v: %s)", err, out)
	}
	return ""
}

// NeedNamespaces skips t (fails it on CI) where netns.sh cannot run (see
// NamespaceProblem).
func NeedNamespaces(t testing.TB) {
	if why := NamespaceProblem(); why != "" {
		if os.Getenv("CI") != "" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
}
