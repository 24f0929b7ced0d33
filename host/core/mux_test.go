package core

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moonport/moonport/host/tlsconf/tlstest"
	"github.com/moonport/moonport/internal/testenv"
)

func TestMultiplexing(t *testing.T) {
	nc := testenv.NeedTool(t, "nc", "netcat-openbsd")
	shipped, _ := filepath.Abs("../../modules")
	examples, _ := filepath.Abs("../../examples/modules")
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	crt, key := ca.Server(t, dir, "localhost", "chat.localhost")
	plain, secure := freePort(t), freePort(t)
	startHost(t, fmt.Sprintf(`plugin_paths = { %q, %q }
modules_enabled = { "echo", "chat", "json_api", "net_multiplex" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
ports = { %d }
ssl_ports = { %d }
ssl = { certificate = %q, key = %q }
echo_ports = { }
chat_ports = { }
http_ports = { }
https_ports = { }
multiplex_buffer_size = 64
`, shipped, examples, plain, secure, crt, key), nil)
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(nc, append([]string{"-q", "1", "-w", "5"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, _ := cmd.CombinedOutput()
		return string(out)
	}
	addr := []string{"127.0.0.1", fmt.Sprint(plain)}
	if got := run("ECHO one line\n", addr...); got != "ECHO one line\n" {
		t.Errorf("echo through the multiplexer: %q", got)
	}
	if got := run("/nick zoe\n/who\n", addr...); !strings.Contains(got, "* you are now zoe") || !strings.Contains(got, "* here: zoe") {
		t.Errorf("chat through the multiplexer: %q", got)
	}
	if got := curl(t, fmt.Sprintf("http://127.0.0.1:%d/api/hello", plain)); got != "{\"hello\":\"world\"}\n" {
		t.Errorf("HTTP through the multiplexer: %q", got)
	}
	// A TLS client on the plain port: ALPN http/1.1 routes it to HTTP.
	if got := curl(t, "--http1.1", "--cacert", ca.CertFile, "--resolve", fmt.Sprintf("localhost:%d:127.0.0.1", plain), fmt.Sprintf("https://localhost:%d/api/hello", plain)); got != "{\"hello\":\"world\"}\n" {
		t.Errorf("TLS on the plain multiplex port: %q", got)
	}
	// The TLS port: ALPN to HTTP, SNI to chat.
	if got := curl(t, "--http1.1", "--cacert", ca.CertFile, "--resolve", fmt.Sprintf("localhost:%d:127.0.0.1", secure), fmt.Sprintf("https://localhost:%d/api/hello", secure)); got != "{\"hello\":\"world\"}\n" {
		t.Errorf("ALPN on the TLS multiplex port: %q", got)
	}
	out, _ := sClient(t, secure, "/who\n/quit\n", "-servername", "chat.localhost", "-CAfile", ca.CertFile, "-quiet")
	if strings.Count(out, "* welcome, guest") != 1 || !strings.Contains(out, "* here: guest") {
		t.Errorf("SNI on the TLS multiplex port:\n%s", out)
	}
	// Nothing recognisable within multiplex_buffer_size: closed.
	if got := run(strings.Repeat("?", 100)+"\n", addr...); got != "" {
		t.Errorf("an unknown protocol got %q", got)
	}
}
