package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// TestReloadRefusesOutOfRangeValue: a reload to read_size = 1e12 is
// refused with the reason, and the previous config keeps serving (it used
// to be taken, and the next connection killed the process).
func TestReloadRefusesOutOfRangeValue(t *testing.T) {
	bin := testenv.Binary(t)
	port := testenv.FreePorts(t, 1)[0]
	cfg := echoConfig(t, port, "")
	proc := testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, port, loopback(port))
	echoes(t, port)
	body, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, append(body, "network_settings = { read_size = 1e12 }\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	proc.Signal(syscall.SIGHUP)
	proc.WaitOutput("still running the previous config: "+cfg+":6: network_settings: read_size = 1e+12: expected a whole number of bytes from 1 to 1048576", 20*time.Second)
	echoes(t, port)
	echoes(t, port)
	if proc.State() != nil || strings.Contains(proc.Output(), "out of memory") {
		t.Fatalf("the server died:\n%s", proc.Output())
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
	proc := testenv.Start(t, bin, testenv.Config(cfg))
	testenv.WaitListening(t, ports[0], loopback(ports[0]))
	good, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, append(append([]byte(nil), good...), "x = FileContents \"pipe\"\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	proc.Signal(syscall.SIGHUP)
	proc.WaitOutput("still running the previous config: "+cfg+`:6: FileContents(`, 20*time.Second) // the log escapes the quotes
	proc.WaitOutput(fifo+" is a named pipe (FIFO); the config reads only regular files", 20*time.Second)
	next := strings.Replace(string(good), fmt.Sprintf("echo_ports = { %d }", ports[0]), fmt.Sprintf("echo_ports = { %d, %d }", ports[0], ports[1]), 1)
	if err := os.WriteFile(cfg, []byte(next), 0o644); err != nil {
		t.Fatal(err)
	}
	proc.Signal(syscall.SIGHUP)
	testenv.WaitListening(t, ports[1], loopback(ports[1]))
	echoes(t, ports[1])
}
