package core

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// freeUDPPort finds a loopback UDP port nobody uses.
func freeUDPPort(t *testing.T) int { return testenv.FreePort(t, "udp4") }

func rfc868(b []byte) time.Time {
	return time.Unix(int64(binary.BigEndian.Uint32(b))-2208988800, 0)
}

func TestTimeProtocolOverTCPAndUDP(t *testing.T) {
	tcp, udp, shut := freePort(t), freeUDPPort(t), freeUDPPort(t)
	th := startHost(t, fmt.Sprintf(`modules_enabled = { "time" }
interfaces = { "127.0.0.1" }
time_ports = { %d }
time_udp_ports = { %d }
listeners = { closed = { service = "time_udp", bind = "127.0.0.1:%d", allow = { } } }
`, tcp, udp, shut), nil)
	c := dial(t, tcp)
	got, err := io.ReadAll(c)
	if err != nil || len(got) != 4 {
		t.Fatalf("TCP answer %x %v", got, err)
	}
	if d := time.Since(rfc868(got)); d < -2*time.Second || d > 2*time.Second {
		t.Errorf("TCP time is off by %s", d)
	}
	u, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", udp))
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	u.Write([]byte{0})
	_ = u.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 16)
	n, err := u.Read(buf)
	if err != nil || n != 4 {
		t.Fatalf("UDP answer %x %v", buf[:n], err)
	}
	if d := time.Since(rfc868(buf[:n])); d < -2*time.Second || d > 2*time.Second {
		t.Errorf("UDP time is off by %s", d)
	}
	// An empty allow list admits nobody, and says so in the log.
	x, _ := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", shut))
	defer x.Close()
	x.Write([]byte{0})
	_ = x.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := x.Read(buf); err == nil {
		t.Errorf("a listener with allow = { } answered: %x", buf[:n])
	}
	th.waitLog(t, "datagram from an address not allowed (127.0.0.1)")
}

func TestTFTPWithTheTftpHpaClient(t *testing.T) {
	tftp := testenv.NeedTool(t, "tftp", "tftp-hpa")
	root := t.TempDir()
	content := make([]byte, 512*3) // an exact multiple of the block size ends with an empty block
	rand.Read(content)
	os.WriteFile(filepath.Join(root, "phone.cfg"), content, 0o644)
	odd := append(content[:700:700], "tail"...)
	os.WriteFile(filepath.Join(root, "odd.bin"), odd, 0o644)
	port := freeUDPPort(t)
	th := startHost(t, fmt.Sprintf("modules_enabled = { \"tftp\" }\ninterfaces = { \"127.0.0.1\" }\ntftp_ports = { %d }\ntftp_root = %q\n", port, root), nil)
	out := t.TempDir()
	for _, name := range []string{"phone.cfg", "odd.bin"} {
		local := filepath.Join(out, name)
		cmd := exec.Command(tftp, "-m", "binary", "127.0.0.1", fmt.Sprint(port), "-c", "get", name, local)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("tftp get %s: %v\n%s", name, err, b)
		}
		want, _ := os.ReadFile(filepath.Join(root, name))
		got, _ := os.ReadFile(local)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: got %d bytes, want %d, not byte-exact", name, len(got), len(want))
		}
	}
	missing := exec.Command(tftp, "-m", "binary", "127.0.0.1", fmt.Sprint(port), "-c", "get", "nope", filepath.Join(out, "nope"))
	if b, _ := missing.CombinedOutput(); !strings.Contains(string(b), "File not found") {
		t.Errorf("missing file: %s", b)
	}
	upload := filepath.Join(out, "up.txt")
	os.WriteFile(upload, []byte("new config"), 0o644)
	put := exec.Command(tftp, "-m", "binary", "127.0.0.1", fmt.Sprint(port), "-c", "put", upload, "up.txt")
	if b, _ := put.CombinedOutput(); !strings.Contains(string(b), "Access violation") {
		t.Errorf("an upload must be refused by default: %s", b)
	}
	if _, err := os.Stat(filepath.Join(root, "up.txt")); err == nil {
		t.Error("the refused upload was written")
	}
	th.waitLog(t, "tftp: refused an upload of up.txt")
}

func TestTFTPUploadWhenAllowed(t *testing.T) {
	tftp := testenv.NeedTool(t, "tftp", "tftp-hpa")
	root := t.TempDir()
	port := freeUDPPort(t)
	startHost(t, fmt.Sprintf("modules_enabled = { \"tftp\" }\ninterfaces = { \"127.0.0.1\" }\ntftp_ports = { %d }\ntftp_root = %q\ntftp_allow_write = true\n", port, root), nil)
	upload := filepath.Join(t.TempDir(), "log.txt")
	data := bytes.Repeat([]byte("phone log line\n"), 100)
	os.WriteFile(upload, data, 0o644)
	if b, err := exec.Command(tftp, "-m", "binary", "127.0.0.1", fmt.Sprint(port), "-c", "put", upload, "log.txt").CombinedOutput(); err != nil {
		t.Fatalf("tftp put: %v\n%s", err, b)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if got, err := os.ReadFile(filepath.Join(root, "log.txt")); err == nil && bytes.Equal(got, data) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the upload was not stored byte-exact")
}

func TestPacketRatePerSender(t *testing.T) {
	port := freeUDPPort(t)
	startHost(t, fmt.Sprintf("modules_enabled = { \"time\" }\ninterfaces = { \"127.0.0.1\" }\ntime_ports = { }\ntime_udp_ports = { %d }\ntime_udp_packet_rate = 2\n", port), nil)
	u, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	start := time.Now()
	for i := 0; i < 10; i++ {
		u.Write([]byte{byte(i)})
	}
	// The first answer is awaited for as long as a loaded machine may
	// take; the rest are those that follow it closely. Tokens refill
	// while the server works through the datagrams, so what may be
	// answered is the burst plus the rate times the time until the last
	// answer came (1 more for rounding): 3 when nothing delays it.
	answers, last := 0, start
	buf := make([]byte, 16)
	for wait := 10 * time.Second; ; wait = 300 * time.Millisecond {
		_ = u.SetReadDeadline(time.Now().Add(wait))
		if _, err := u.Read(buf); err != nil {
			break
		}
		answers, last = answers+1, time.Now()
	}
	allowed := 2 + int(math.Ceil(2*last.Sub(start).Seconds()))
	if answers < 1 || answers > allowed {
		t.Errorf("packet_rate = 2 answered %d of 10 immediate datagrams in %s; want the burst of 2 (at most %d)", answers, last.Sub(start), allowed)
	}
}
