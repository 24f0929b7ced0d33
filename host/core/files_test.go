package core

import (
	"bytes"
	"encoding/binary"
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

// escapeTree makes a served folder beside a secret one: root holds
// index.html, a file, symlinks that stay inside (allowed) and symlinks that
// lead out to the secret folder (refused however they are reached).
func escapeTree(t *testing.T) (root, secret string) {
	t.Helper()
	base := t.TempDir()
	root, secret = filepath.Join(base, "served"), filepath.Join(base, "secret")
	for _, d := range []string{root, secret, filepath.Join(root, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "index.html"), "<p>home</p>")
	write(filepath.Join(root, "file.txt"), "public text")
	write(filepath.Join(secret, "shadow"), "root:secret-hash")
	links := map[string]string{
		"dirlink":    secret,                          // a folder outside, as /files/dirlink/shadow reached /etc/shadow
		"filelink":   filepath.Join(secret, "shadow"), // a file outside
		"rellink":    "../secret/shadow",              // the same, relative
		"inlink":     "file.txt",                      // inside: served
		"sub/uplink": "../file.txt",                   // inside through "..": served
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	return root, secret
}

// TestStaticFilesStayInTheirFolder: mod_static_files serves its folder,
// symlinks inside it included, and refuses every path that leads out —
// through a symlink or "..".
func TestStaticFilesStayInTheirFolder(t *testing.T) {
	root, _ := escapeTree(t)
	_, plain, _, _ := httpHost(t, fmt.Sprintf("modules_enabled = { \"routes\", \"static_files\" }\nstatic_files_dir = %q", root))
	base := fmt.Sprintf("http://127.0.0.1:%d/files/", plain)
	for path, want := range map[string]string{
		"":           "200 <p>home</p>",
		"file.txt":   "200 public text",
		"inlink":     "200 public text",
		"sub/uplink": "200 public text",
		"nope.txt":   "404",
		"sub":        "404", // a folder is not a file
	} {
		if got := fetch(t, base+path); got != want {
			t.Errorf("GET /files/%s: got %q, want %q", path, got, want)
		}
	}
	for _, path := range []string{"dirlink/shadow", "filelink", "rellink", "../secret/shadow", "sub/../../secret/shadow", "%2e%2e/secret/shadow", "/" + filepath.Join(filepath.Dir(root), "secret", "shadow")} {
		got := fetch(t, "--path-as-is", base+path)
		if !strings.HasPrefix(got, "403") && !strings.HasPrefix(got, "404") || strings.Contains(got, "secret-hash") {
			t.Errorf("GET /files/%s leaves the folder: got %q, want 403 or 404", path, got)
		}
	}
}

// fetch fetches a URL with curl and returns "CODE body".
func fetch(t *testing.T, args ...string) string {
	t.Helper()
	out := curl(t, append([]string{"-w", "\n%{http_code}"}, args...)...)
	i := strings.LastIndex(out, "\n")
	code, body := out[i+1:], out[:i]
	if code != "200" {
		return code
	}
	return code + " " + body
}

// tftpHost serves root with mod_tftp on a fresh port; extra is more config.
func tftpHost(t *testing.T, root, extra string) (*testHost, int) {
	t.Helper()
	port := freeUDPPort(t)
	th := startHost(t, fmt.Sprintf("modules_enabled = { \"tftp\" }\ninterfaces = { \"127.0.0.1\" }\ntftp_ports = { %d }\ntftp_root = %q\n%s\n", port, root, extra), nil)
	return th, port
}

// tftpRun runs the tftp-hpa client with one command and returns its output.
func tftpRun(t *testing.T, port int, command ...string) string {
	t.Helper()
	tftp := testenv.NeedTool(t, "tftp", "tftp-hpa")
	args := append([]string{"-m", "binary", "127.0.0.1", fmt.Sprint(port), "-c"}, command...)
	cmd := exec.Command(tftp, args...)
	timer := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	out, _ := cmd.CombinedOutput()
	return string(out)
}

// TestTFTPStaysInItsRoot: reads and writes through symlinks or ".." that
// lead out of tftp_root get an error packet and touch nothing outside.
func TestTFTPStaysInItsRoot(t *testing.T) {
	root, secret := escapeTree(t)
	_, port := tftpHost(t, root, "tftp_allow_write = true")
	out := t.TempDir()
	if got := tftpRun(t, port, "get", "inlink", filepath.Join(out, "in")); got != "" {
		t.Errorf("get inlink: %s", got)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "in")); string(b) != "public text" {
		t.Errorf("get inlink gave %q", b)
	}
	for _, name := range []string{"dirlink/shadow", "filelink", "rellink", "../secret/shadow", filepath.Join(secret, "shadow")} {
		local := filepath.Join(out, "got")
		os.Remove(local)
		if got := tftpRun(t, port, "get", name, local); !strings.Contains(got, "Access violation") {
			t.Errorf("get %s: want an Access violation error packet, got %q", name, got)
		}
		if b, _ := os.ReadFile(local); bytes.Contains(b, []byte("secret-hash")) {
			t.Errorf("get %s read the file outside the root", name)
		}
	}
	upload := filepath.Join(out, "evil")
	os.WriteFile(upload, []byte("overwritten"), 0o644)
	for _, name := range []string{"filelink", "rellink", "dirlink/shadow", "dirlink/new", "../secret/new", "inlink"} {
		if got := tftpRun(t, port, "put", upload, name); !strings.Contains(got, "Access violation") {
			t.Errorf("put %s: want an Access violation error packet, got %q", name, got)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(secret, "shadow")); string(b) != "root:secret-hash" {
		t.Errorf("a write went through a symlink: the file outside now holds %q", b)
	}
	if _, err := os.Stat(filepath.Join(secret, "new")); err == nil {
		t.Error("a write made a file outside the root")
	}
	if b, _ := os.ReadFile(filepath.Join(root, "file.txt")); string(b) != "public text" {
		t.Errorf("a write through the inside symlink replaced its target: %q", b)
	}
}

// TestTFTPUploadLimits: an upload past tftp_max_upload is refused with an
// error packet and not stored; no more than tftp_max_transfers run at
// once; a transfer idle for tftp_timeout is dropped and frees its place.
func TestTFTPUploadLimits(t *testing.T) {
	root := t.TempDir()
	// tftp_timeout leaves room for the third request to come while the
	// two stalled ones still hold their places (at 1 s a loaded machine
	// sometimes let them go idle first).
	th, port := tftpHost(t, root, "tftp_allow_write = true\ntftp_max_upload = 2000\ntftp_max_transfers = 2\ntftp_timeout = 4")
	out := t.TempDir()
	small, big := filepath.Join(out, "small"), filepath.Join(out, "big")
	os.WriteFile(small, bytes.Repeat([]byte("s"), 1500), 0o644)
	os.WriteFile(big, bytes.Repeat([]byte("b"), 5000), 0o644)
	if got := tftpRun(t, port, "put", small, "small"); got != "" {
		t.Errorf("put small: %s", got)
	}
	if got := tftpRun(t, port, "put", big, "big"); !strings.Contains(got, "Disk full or allocation exceeded") {
		t.Errorf("put past tftp_max_upload: want the allocation error packet, got %q", got)
	}
	if _, err := os.Stat(filepath.Join(root, "big")); err == nil {
		t.Error("the upload past tftp_max_upload was stored")
	}
	th.waitLog(t, "tftp: refused", "big", "tftp_max_upload")

	// Two uploads that never send data hold both places.
	a, b, c := udpPeer(t, port), udpPeer(t, port), udpPeer(t, port)
	for _, p := range []*net.UDPConn{a, b} {
		if op, _ := wrq(t, p, "stalled"); op != 4 {
			t.Fatalf("a write request got opcode %d, want an ACK", op)
		}
	}
	if op, msg := wrq(t, c, "third"); op != 5 || !strings.Contains(msg, "transfers") {
		t.Fatalf("a third transfer past tftp_max_transfers = 2: opcode %d %q, want an error", op, msg)
	}
	// Once they are idle for tftp_timeout they are dropped and c gets in.
	th.waitLog(t, "tftp: dropped", "idle")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if op, _ := wrq(t, c, "third"); op == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the idle transfers never freed their places")
		}
	}
}

func udpPeer(t *testing.T, port int) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wrq sends a write request and returns the answer's opcode and, for an
// error, its message (opcode 0 if nothing came within 10 s: every request
// here is answered, and a loaded machine may take more than a second).
func wrq(t *testing.T, c *net.UDPConn, name string) (int, string) {
	t.Helper()
	if _, err := c.Write([]byte("\x00\x02" + name + "\x00octet\x00")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 600)
	n, err := c.Read(buf)
	if err != nil || n < 4 {
		return 0, ""
	}
	op := int(binary.BigEndian.Uint16(buf))
	return op, strings.TrimRight(string(buf[4:n]), "\x00")
}
