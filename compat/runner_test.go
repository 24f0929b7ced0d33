package compat

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// host is one of the two programs compared: how to start it on a config.
type host struct {
	Name string
	Argv func(config string) []string
}

// runTimeout bounds one host's run: COMPAT_TIMEOUT (10 s) to settle, up to
// 5 s to stop, and the namespace setup.
const runTimeout = 30 * time.Second

// outcome is what one host did with one config.
type outcome struct {
	Sockets []string // "tcp 0.0.0.0:5222", sorted
	Running bool
	Exit    string // the exit code, when it exited
	Settled bool   // false: still changing when the time was up
	Output  string // the file holding what the host printed
}

// State is "running", "running, not settled" or "exited CODE".
func (o outcome) State() string {
	switch {
	case !o.Running:
		return "exited " + o.Exit
	case !o.Settled:
		return "running, not settled"
	}
	return "running"
}

// same reports whether two outcomes agree on the sockets and the state.
func same(a, b outcome) bool {
	return a.State() == b.State() && strings.Join(a.Sockets, "\n") == strings.Join(b.Sockets, "\n")
}

// environ is the whole environment both hosts get: nothing from the test's
// own, so only the config's env directives reach ENV_ names.
func environ(c suiteConfig) []string {
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "HOME=/var/lib/prosody"}
	return append(env, c.Env...)
}

// wrapperFile is the config each host is started on: it includes the
// config under test, then puts the stubs first on the plugin path. Its name
// matches no wildcard Include of the suite's configs ("*.cfg.lua").
const wrapperFile = "compat.wrapper.lua"

// prepare copies the config's folder to work/config (with the certificates
// of certs in config/certs, Prosody's default certificates folder), writes
// the wrapper there and gives the tree to user; it returns the wrapper.
func prepare(c suiteConfig, work, certs, stubs, user string) (string, error) {
	dir := filepath.Join(work, "config")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := exec.Command("cp", "-a", c.Dir+"/.", dir).Run(); err != nil {
		return "", fmt.Errorf("copying %s: %v", c.Dir, err)
	}
	if err := exec.Command("cp", "-a", certs, filepath.Join(dir, "certs")).Run(); err != nil {
		return "", fmt.Errorf("copying the certificates: %v", err)
	}
	wrapper := filepath.Join(dir, wrapperFile)
	body := fmt.Sprintf("-- Written by the compat suite: the config under test, then the stub modules first.\n"+
		"Include %q\nplugin_paths = { %q }\n", configFile, stubs)
	if err := os.WriteFile(wrapper, []byte(body), 0o644); err != nil {
		return "", err
	}
	if out, err := exec.Command("chown", "-R", user+":", work).CombinedOutput(); err != nil {
		return "", fmt.Errorf("chown %s: %v: %s", work, err, out)
	}
	return wrapper, nil
}

// run starts h on the config prepared in work inside fresh namespaces (see
// netns.sh) and returns what it did.
func run(c suiteConfig, h host, work, wrapper, netns, user string) (outcome, error) {
	args := []string{"--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc",
		"--propagation", "private", "bash", netns}
	for _, o := range c.Occupy {
		args = append(args, "--occupy", o.Proto, o.Addr, o.Port)
	}
	args = append(args, work, user, "env", "-i")
	args = append(args, environ(c)...)
	args = append(args, h.Argv(wrapper)...)

	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return outcome{}, fmt.Errorf("%s on %s: %v: %s", h.Name, c.Name, err, stderr.String())
	}
	return parseOutcome(string(out), filepath.Join(work, "out"))
}

// parseOutcome reads netns.sh's report.
func parseOutcome(report, output string) (outcome, error) {
	o := outcome{Output: output}
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
