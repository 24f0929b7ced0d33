package core

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/tlsconf/tlstest"
	"github.com/moonport/moonport/internal/testenv"
)

// tlsInfoModule answers every connection with whether it is secure.
const tlsInfoModule = `
module:provides("net", { name = "tlsinfo", default_port = 1, encryption = "ssl", listener = {
	onconnect = function(conn) conn:write("secure=" .. tostring(conn:ssl()) .. "\n"); conn:close() end;
}})`

type tlsSetup struct {
	th                                   *testHost
	ca                                   *tlstest.CA
	dir, mail                            string
	sni, modern, mtls, starttls, implied int
	clientCert, clientKey                string
}

func newTLSHost(t *testing.T) *tlsSetup {
	t.Helper()
	s := &tlsSetup{dir: t.TempDir()}
	s.ca = tlstest.NewCA(t, s.dir)
	certs := filepath.Join(s.dir, "certs")
	s.ca.Server(t, certs, "a.example")
	s.ca.Server(t, certs, "b.example")
	s.ca.Server(t, certs, "smtp", "localhost")
	s.clientCert, s.clientKey = s.ca.Issue(t, filepath.Join(s.dir, "client"), time.Now().Add(-time.Hour), time.Now().Add(time.Hour), true, "client")
	s.mail = filepath.Join(s.dir, "mail")
	if err := os.Mkdir(s.mail, 0o755); err != nil {
		t.Fatal(err)
	}
	s.sni, s.modern, s.mtls, s.starttls, s.implied = freePort(t), freePort(t), freePort(t), freePort(t), freePort(t)
	s.th = startHost(t, fmt.Sprintf(`modules_enabled = { "tlsinfo", "smtp_sink" }
interfaces = { "127.0.0.1" }
certificates = %q
smtp_sink_dir = %q
tlsinfo_ports = { %d }
smtp_ports = { %d }
listeners = {
	modern = { service = "tlsinfo", bind = "127.0.0.1:%d", tls = { protocol = "tlsv1_3" } };
	mtls = { service = "tlsinfo", bind = "127.0.0.1:%d", tls = { verify = { "peer", "fail_if_no_peer_cert" }, cafile = %q } };
	submissions = { service = "smtp", bind = "127.0.0.1:%d", tls = { implicit = true } };
}
VirtualHost "a.example"
VirtualHost "b.example"
`, certs, s.mail, s.sni, s.starttls, s.modern, s.mtls, s.ca.CertFile, s.implied), map[string]string{"tlsinfo": tlsInfoModule})
	return s
}

// sClient runs openssl s_client against port with args and stdin, and
// returns everything it printed.
func sClient(t *testing.T, port int, stdin string, args ...string) (string, error) {
	t.Helper()
	openssl := testenv.NeedTool(t, "openssl", "openssl")
	all := append([]string{"s_client", "-connect", fmt.Sprintf("127.0.0.1:%d", port), "-ign_eof"}, args...)
	cmd := exec.Command(openssl, all...)
	cmd.Stdin = strings.NewReader(stdin)
	timer := time.AfterFunc(20*time.Second, func() {
		if cmd.Process != nil {
			cmd.Process.Kill()
		}
	})
	defer timer.Stop()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestTLSWithOpenSSL(t *testing.T) {
	s := newTLSHost(t)
	ca := s.ca.CertFile
	for _, c := range []struct{ sni, want string }{{"b.example", "CN = b.example"}, {"a.example", "CN = a.example"}, {"", "CN = a.example"}} {
		args := []string{"-CAfile", ca, "-verify_return_error"}
		if c.sni != "" {
			args = append(args, "-servername", c.sni)
		} else {
			args = append(args, "-noservername")
		}
		out, err := sClient(t, s.sni, "", args...)
		if err != nil || !strings.Contains(out, c.want) ||
			!strings.Contains(out, "Verify return code: 0 (ok)") || !strings.Contains(out, "secure=true") {
			t.Errorf("SNI %q: want %s, verified, secure; err %v\n%s", c.sni, c.want, err, out)
		}
	}

	out, err := sClient(t, s.modern, "", "-CAfile", ca, "-servername", "a.example", "-tls1_2")
	if err == nil || strings.Contains(out, "secure=true") || !strings.Contains(out, "protocol version") {
		t.Errorf("TLS 1.2 against a tlsv1_3 listener must be refused:\n%s", out)
	}
	out, err = sClient(t, s.modern, "", "-CAfile", ca, "-servername", "a.example", "-tls1_3")
	if err != nil || !strings.Contains(out, "secure=true") {
		t.Errorf("TLS 1.3 against a tlsv1_3 listener: %v\n%s", err, out)
	}

	out, _ = sClient(t, s.mtls, "", "-CAfile", ca, "-servername", "a.example")
	if strings.Contains(out, "secure=true") || !strings.Contains(out, "certificate required") {
		t.Errorf("no client certificate must be refused:\n%s", out)
	}
	out, err = sClient(t, s.mtls, "", "-CAfile", ca, "-servername", "a.example", "-cert", s.clientCert, "-key", s.clientKey)
	if err != nil || !strings.Contains(out, "secure=true") {
		t.Errorf("with a client certificate: %v\n%s", err, out)
	}

	out, err = sClient(t, s.starttls, "EHLO openssl\nQUIT\n", "-starttls", "smtp", "-crlf", "-CAfile", ca, "-servername", "localhost", "-verify_return_error")
	if err != nil || !strings.Contains(out, "Verify return code: 0 (ok)") || !strings.Contains(out, "250-STARTTLS") && !strings.Contains(out, "221 2.0.0 Bye") {
		t.Errorf("STARTTLS: %v\n%s", err, out)
	}
	if !strings.Contains(out, "221 2.0.0 Bye") {
		t.Errorf("STARTTLS session did not end with QUIT's reply:\n%s", out)
	}
	if strings.Contains(out, "250-STARTTLS") {
		t.Errorf("STARTTLS must not be offered again inside TLS:\n%s", out)
	}
}

func TestTLSWithGoClient(t *testing.T) {
	s := newTLSHost(t)
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", fmt.Sprintf("127.0.0.1:%d", s.sni),
		&tls.Config{RootCAs: s.ca.Pool, ServerName: "b.example"})
	if err != nil {
		t.Fatalf("verifying against the test CA: %v", err)
	}
	st := c.ConnectionState()
	if len(st.VerifiedChains) == 0 || st.PeerCertificates[0].Subject.CommonName != "b.example" || st.Version < tls.VersionTLS12 {
		t.Errorf("state: %+v", st)
	}
	buf := make([]byte, 64)
	n, _ := c.Read(buf)
	if string(buf[:n]) != "secure=true\n" {
		t.Errorf("got %q", buf[:n])
	}
	c.Close()

	_, err = tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", fmt.Sprintf("127.0.0.1:%d", s.sni),
		&tls.Config{RootCAs: s.ca.Pool, ServerName: "a.example", MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
	if err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Errorf("TLS 1.1 must be refused by default, got %v", err)
	}
}

// newest returns the contents of the message file stored last.
func newest(t *testing.T, dir string) []byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("no message stored in %s: %v", dir, err)
	}
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	b, err := os.ReadFile(filepath.Join(dir, names[len(names)-1]))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSMTPWithSwaks(t *testing.T) {
	swaks := testenv.NeedTool(t, "swaks", "swaks libnet-ssleay-perl")
	s := newTLSHost(t)
	msg := "Subject: moonport test\r\nX-Binary: caf\xc3\xa9\r\n\r\nfirst line\r\n.a line that starts with a dot\r\n\r\nlast line"
	msgFile := filepath.Join(s.dir, "msg.eml")
	if err := os.WriteFile(msgFile, []byte(msg), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		port int
		mode string
	}{{"STARTTLS", s.starttls, "--tls"}, {"implicit TLS", s.implied, "--tls-on-connect"}} {
		before, _ := os.ReadDir(s.mail)
		cmd := exec.Command(swaks, "--to", "rcpt@localhost", "--from", "sender@localhost", "--server", "127.0.0.1", "--port", fmt.Sprint(c.port),
			c.mode, "--tls-verify", "--tls-ca-path", s.ca.CertFile, "--tls-sni", "localhost", "--data", "@"+msgFile, "--timeout", "10")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "250 2.0.0 OK: queued") || !strings.Contains(string(out), "TLS started") {
			t.Fatalf("%s: swaks failed: %v\n%s", c.name, err, out)
		}
		after, _ := os.ReadDir(s.mail)
		if len(after) != len(before)+1 {
			t.Fatalf("%s: %d messages stored, want %d", c.name, len(after), len(before)+1)
		}
		// On the wire the message ends with CRLF before the final dot; the
		// stored file is exactly the bytes sent.
		if got := string(newest(t, s.mail)); got != msg+"\r\n" {
			t.Errorf("%s: stored %q, want %q", c.name, got, msg+"\r\n")
		}
	}
}

func TestBrokenTLSKeepsOnlyThatListenerClosed(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	ca.Server(t, dir, "good")
	ca.Issue(t, dir, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour), false, "old")
	good, bad, plain := freePort(t), freePort(t), freePort(t)
	th := startHost(t, fmt.Sprintf(`modules_enabled = { "tlsinfo", "echo" }
interfaces = { "127.0.0.1" }
tlsinfo_ports = { %d }
tlsinfo_ssl = { certificate = %q, key = %q }
echo_ports = { %d }
listeners = { stale = { service = "tlsinfo", bind = "127.0.0.1:%d", tls = { certificate = %q, key = %q } } }
`, good, filepath.Join(dir, "good.crt"), filepath.Join(dir, "good.key"), plain, bad, filepath.Join(dir, "old.crt"), filepath.Join(dir, "old.key")),
		map[string]string{"tlsinfo": tlsInfoModule})
	th.waitLog(t, "TLS for listener stale (127.0.0.1:", filepath.Join(dir, "old.crt"), "certificate expired")
	if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", bad), time.Second); err == nil {
		c.Close()
		t.Error("the listener with an expired certificate is open")
	}
	e := dial(t, plain)
	e.Send("ok\n")
	e.Expect("ok")
	c, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", good), &tls.Config{RootCAs: ca.Pool, ServerName: "good"})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestHandshakeTimeoutAndClientCipherOrder(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir)
	crt, key := ca.Server(t, dir, "localhost")
	server, client := freePort(t), freePort(t)
	startHost(t, fmt.Sprintf(`modules_enabled = { "tlsinfo" }
interfaces = { "127.0.0.1" }
network_settings = { ssl_handshake_timeout = 0.2 }
ssl = { certificate = %q, key = %q, ciphers = { "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305" } }
tlsinfo_ports = { %d }
listeners = { clientorder = { service = "tlsinfo", bind = "127.0.0.1:%d", tls = { prefer_server_ciphers = false } } }
`, crt, key, server, client), map[string]string{"tlsinfo": tlsInfoModule})

	// A client that never starts the handshake is cut off.
	silent := dial(t, server)
	silent.ExpectClosed()

	// Go's own client ignores the order it is given, so openssl states the
	// client's preference: ChaCha20 first.
	out, err := sClient(t, client, "", "-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256",
		"-CAfile", ca.CertFile, "-servername", "localhost")
	if err != nil || !strings.Contains(out, "Cipher is ECDHE-ECDSA-CHACHA20-POLY1305") {
		t.Errorf("with prefer_server_ciphers = false the client's first choice must win: %v\n%s", err, out)
	}
}
