package compat

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// host is one of the two programs compared: how to start it on a config.
type host struct {
	Name string
	Argv func(config string) []string
}

// same reports whether two outcomes agree on the sockets and the state.
func same(a, b Outcome) bool {
	return a.State() == b.State() && strings.Join(a.Sockets, "\n") == strings.Join(b.Sockets, "\n")
}

// environ is the whole environment both hosts get: nothing from the test's
// own, so only the config's env directives reach ENV_ names.
func environ(c suiteConfig) []string {
	return append(BaseEnv(), c.Env...)
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
func run(c suiteConfig, h host, work, wrapper, netns, user string) (Outcome, error) {
	n := Namespace{Script: netns, Work: work, User: user, Env: environ(c), Argv: h.Argv(wrapper)}
	for _, o := range c.Occupy {
		n.Occupy = append(n.Occupy, [3]string{o.Proto, o.Addr, o.Port})
	}
	o, err := n.Run()
	if err != nil {
		return o, fmt.Errorf("%s on %s: %v", h.Name, c.Name, err)
	}
	return o, nil
}
