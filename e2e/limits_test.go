package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// bound (1e12 where 1e6 was meant) is an error naming file:line, the
// option, the value and the allowed range, not a server that dies on its
// first connection.
// syncBuffer collects a child's output for polling.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startLogged runs the binary and returns its output as it comes.
func startLogged(t *testing.T, bin string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	out := &syncBuffer{}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, out
}

func waitOutput(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(out.String(), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the output never showed %q:\n%s", want, out.String())
}

// TestReloadRefusesOutOfRangeValue: a reload to read_size = 1e12 is
// refused with the reason, and the previous config keeps serving (it used
// to be taken, and the next connection killed the process).
func TestReloadRefusesOutOfRangeValue(t *testing.T) {
	bin := testenv.Binary(t)
	port := testenv.FreePorts(t, 1)[0]
	cfg := echoConfig(t, port, "")
	cmd, out := startLogged(t, bin, "run", "--config", cfg)
	testenv.WaitListening(t, port, loopback(port))
	echoes(t, port)
	body, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, append(body, "network_settings = { read_size = 1e12 }\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	waitOutput(t, out, "still running the previous config: "+cfg+":6: network_settings: read_size = 1e+12: expected a whole number of bytes from 1 to 1048576")
	echoes(t, port)
	echoes(t, port)
	if cmd.ProcessState != nil || strings.Contains(out.String(), "out of memory") {
		t.Fatalf("the server died:\n%s", out.String())
	}
}

// TestCheckConfigBoundsWhatTheConfigReads: a 50 MB config file is refused
// at once with the limit (it took 146 s before), and a named pipe read
// with FileContents is refused instead of blocking.
// TestReloadAfterANamedPipe: a reload whose config reads a named pipe
// fails at once, and later reloads work (the first used to block them all).
func TestReloadAfterANamedPipe(t *testing.T) {
	bin := testenv.Binary(t)
	ports := testenv.FreePorts(t, 2)
	cfg := echoConfig(t, ports[0], "")
	fifo := filepath.Join(filepath.Dir(cfg), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	cmd, out := startLogged(t, bin, "run", "--config", cfg)
	testenv.WaitListening(t, ports[0], loopback(ports[0]))
	good, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, append(append([]byte(nil), good...), "x = FileContents \"pipe\"\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	waitOutput(t, out, "still running the previous config: "+cfg+`:6: FileContents(`) // the log escapes the quotes
	waitOutput(t, out, fifo+" is a named pipe (FIFO); the config reads only regular files")
	next := strings.Replace(string(good), fmt.Sprintf("echo_ports = { %d }", ports[0]), fmt.Sprintf("echo_ports = { %d, %d }", ports[0], ports[1]), 1)
	if err := os.WriteFile(cfg, []byte(next), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	testenv.WaitListening(t, ports[1], loopback(ports[1]))
	echoes(t, ports[1])
}
