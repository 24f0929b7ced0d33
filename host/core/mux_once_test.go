package core

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/tlsconf/tlstest"
)

// greetModule greets every connection in onconnect and, asked "count",
// says how often its callbacks ran for that connection, then hangs up.
const greetModule = `
local listener = { default_mode = "*l" };
function listener.onconnect(conn)
	conn.connects = (conn.connects or 0) + 1;
	conn:write("greeting\n");
end
function listener.onstatus(conn, status)
	conn.statuses = (conn.statuses or 0) + 1;
end
function listener.onincoming(conn, line)
	if line == "count" then
		conn:write(("connects=%d statuses=%d\n"):format(conn.connects or 0, conn.statuses or 0));
		conn:close();
	end
end
module:provides("net", { name = "greet", listener = listener,
	multiplex = { pattern = "^HELLO\n", protocol = "greet/1", sni = "greet.localhost" } });
`

// TestMultiplexConnectsOnce routes a connection by every path the
// multiplexer has and checks the service hears onconnect exactly once
// (and onstatus once for TLS): a divert after a TLS handshake used to
// announce the connection to the new service twice.
func TestMultiplexConnectsOnce(t *testing.T) {
	shipped, _ := filepath.Abs("../../modules")
	examples, _ := filepath.Abs("../../examples/modules")
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	crt, key := ca.Server(t, dir, "localhost", "greet.localhost", "chat.localhost")
	plain, secure := freePort(t), freePort(t)
	startHost(t, fmt.Sprintf(`plugin_paths = { %q, %q }
modules_enabled = { "greet", "chat", "net_multiplex" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
ports = { %d }
ssl_ports = { %d }
ssl = { certificate = %q, key = %q }
greet_ports = { }
chat_ports = { }
`, shipped, examples, plain, secure, crt, key), map[string]string{"greet": greetModule})
	cases := []struct {
		name   string
		port   int
		tls    *tls.Config // nil: plain TCP
		first  string      // what the client sends before "count"
		status int         // onstatus calls expected
	}{
		{"pattern on the plain port", plain, nil, "HELLO\n", 0},
		{"ALPN on the TLS port", secure, &tls.Config{NextProtos: []string{"greet/1"}}, "", 1},
		{"SNI on the TLS port", secure, &tls.Config{ServerName: "greet.localhost"}, "", 1},
		{"pattern on the TLS port", secure, &tls.Config{ServerName: "localhost"}, "HELLO\n", 1},
		{"TLS on the plain port, SNI", plain, &tls.Config{ServerName: "greet.localhost"}, "", 1},
		{"TLS on the plain port, ALPN", plain, &tls.Config{ServerName: "localhost", NextProtos: []string{"greet/1"}}, "", 1},
	}
	for _, c := range cases {
		for i := 0; i < 5; i++ { // the duplicate depended on timing: try a few times
			got := greetings(t, c.port, c.tls, ca, c.first)
			want := fmt.Sprintf("greeting\nconnects=1 statuses=%d\n", c.status)
			if got != want {
				t.Errorf("%s (try %d): got %q, want %q", c.name, i, got, want)
				break
			}
		}
	}
}

// greetings connects (with TLS when cfg is set), sends first and "count",
// and returns all the service said before it hung up.
func greetings(t *testing.T, port int, cfg *tls.Config, ca *tlstest.CA, first string) string {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	raw, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(10 * time.Second))
	var c net.Conn = raw
	if cfg != nil {
		cfg = cfg.Clone()
		cfg.RootCAs = ca.Pool
		if cfg.ServerName == "" {
			cfg.ServerName = "localhost"
		}
		tc := tls.Client(raw, cfg)
		if err := tc.Handshake(); err != nil {
			t.Fatalf("TLS handshake with %s: %v", addr, err)
		}
		c = tc
	}
	if _, err := io.WriteString(c, first+"count\n"); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(c)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("reading from %s: %v (got %q)", addr, err, out)
	}
	return string(out)
}
