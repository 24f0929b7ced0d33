package upgrade

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestChildEnvNamesTheSockets(t *testing.T) {
	env := childEnv([]string{"PATH=/bin", envFds + "=4:tcp4:1.2.3.4:5", "HOME=/root"},
		[]string{"tcp4 127.0.0.1:5222", "udp6 [fe80::1%eth0]:69"})
	want := []string{"PATH=/bin", "HOME=/root", envFds + "=4:tcp4:127.0.0.1:5222 5:udp6:[fe80::1%eth0]:69"}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("childEnv = %q\nwant %q", env, want)
	}
	fds, err := parseFds(strings.TrimPrefix(env[2], envFds+"="))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[int]string{4: "tcp4 127.0.0.1:5222", 5: "udp6 [fe80::1%eth0]:69"}; !reflect.DeepEqual(fds, want) {
		t.Errorf("parseFds = %v, want %v", fds, want)
	}
	if fds, err := parseFds(""); err != nil || len(fds) != 0 {
		t.Errorf("no sockets: %v %v", fds, err)
	}
}

func TestParseFdsRefusesMalformedRecords(t *testing.T) {
	for value, want := range map[string]string{
		"4:tcp4":                                "is incomplete",
		"x:tcp4:127.0.0.1:1":                    "no file descriptor",
		"3:tcp4:127.0.0.1:1":                    "no file descriptor of 4",
		"4:unix:/run/x":                         "names no TCP or UDP network",
		"4:tcp4:127.0.0.1:1 4:udp4:[::]:1":      "repeats a file descriptor",
		"4:tcp4:127.0.0.1:1 5:tcp4:127.0.0.1:1": "repeats a socket",
	} {
		_, err := parseFds(value)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "unset it") {
			t.Errorf("parseFds(%q) = %v; want an error saying %q and what to do", value, err, want)
		}
	}
}

// The new binary is started from the path the old one was started by,
// symbolic links unresolved, so that moving a link to a new version
// upgrades to it.
func TestExecutableKeepsTheLinkStartedBy(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "moonport-1.0")
	if err := os.WriteFile(target, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "moonport")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if got := executable(link); got != link {
		t.Errorf("executable(%q) = %q; want the link itself", link, got)
	}
	t.Chdir(dir)
	if got := executable("./moonport"); got != link {
		t.Errorf("executable(./moonport) = %q; want %q", got, link)
	}
	t.Setenv("PATH", dir)
	if got := executable("moonport"); got != link {
		t.Errorf("executable(moonport) found by PATH = %q; want %q", got, link)
	}
}
