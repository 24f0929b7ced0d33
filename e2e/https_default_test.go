package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// TestHTTPSNeedsCertificate: enabling mod_http with nothing else plans no
// https (an info line says why) and `check certs` passes; with a
// certificate in the certificates folder https opens on every interface
// and a startup line names each public listener. The public one runs in
// a network namespace of its own.
func TestHTTPSNeedsCertificate(t *testing.T) {
	bin := testenv.Binary(t)
	port := testenv.FreePort(t, "tcp4")
	cfg := testenv.WriteConfig(t, fmt.Sprintf("modules_enabled = { \"http\" }\ninterfaces = { \"127.0.0.1\" }\nlocal_interfaces = { \"127.0.0.1\" }\nhttp_ports = { %d }\nrun_as_root = true\n", port))
	out, err := exec.Command(bin, "check", "certs", "--config", cfg).CombinedOutput()
	if err != nil || strings.Contains(string(out), "FAIL") {
		t.Fatalf("check certs without a certificate: %v\n%s", err, out)
	}
	log := testenv.Start(t, bin, testenv.Config(cfg)).WaitOutput("Activated service 'http'", 15*time.Second)
	if !strings.Contains(log, "Not opening service 'https' (module http): no certificate for it and https_ports is not set") ||
		strings.Contains(log, "level=error") || strings.Contains(log, "Public listener") {
		t.Fatalf("without a certificate, https should be skipped with an info line and nothing public:\n%s", log)
	}

	// With a certificate: https on every interface, named as public.
	testenv.NeedRoot(t)
	unshare := testenv.NeedTool(t, "unshare", "util-linux")
	testenv.NeedTool(t, "openssl", "openssl")
	dir := filepath.Dir(cfg)
	os.Mkdir(filepath.Join(dir, "certs"), 0o755)
	if out, err := exec.Command("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
		"-subj", "/CN=localhost", "-keyout", filepath.Join(dir, "certs/https.key"), "-out", filepath.Join(dir, "certs/https.crt")).CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	os.Chmod(filepath.Join(dir, "certs/https.key"), 0o600)
	pub := filepath.Join(dir, "public.cfg.lua")
	os.WriteFile(pub, []byte("modules_enabled = { \"http\" }\nuse_ipv6 = false\nrun_as_root = true\n"), 0o644)
	ns := testenv.Start(t, unshare, testenv.Args("-n", "sh", "-c", fmt.Sprintf("ip link set lo up && exec %q run --config %q", bin, pub)))
	log = ns.WaitOutput("Public listener(s)", 15*time.Second)
	line := log[strings.Index(log, "Public listener(s)"):]
	line = line[:strings.IndexByte(line, '\n')]
	if !strings.Contains(line, "reachable beyond this machine: https 0.0.0.0:5281 (https)") || strings.Contains(line, "127.0.0.1") || strings.Contains(log, "level=error") {
		t.Fatalf("with a certificate, https should open on 0.0.0.0:5281 and be named public (and loopback http not):\n%s", log)
	}
}
