package core

import (
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// linesModule answers each line it is given, then says goodbye when the
// peer has gone.
const linesModule = `
module:provides("net", { name = "lines", listener = {
	default_mode = "*l";
	onincoming = function(conn, line) conn:write("got " .. line .. "\n") end;
}})`

// TestLastLineBeforeHalfClose: a client that sends a last line without
// its newline and shuts down its side gets that line answered too (the
// line reaches onincoming before ondisconnect, as in Prosody).
func TestLastLineBeforeHalfClose(t *testing.T) {
	port := freePort(t)
	startHost(t, fmt.Sprintf("modules_enabled = { \"lines\" }\ninterfaces = { \"127.0.0.1\" }\nlines_ports = { %d }\n", port),
		map[string]string{"lines": linesModule})
	c := dial(t, port)
	c.Send("first\nlast without end")
	if err := c.Conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := c.Rest()
	if err != nil {
		t.Fatalf("reading: %v (got %q)", err, got)
	}
	if got != "got first\ngot last without end\n" {
		t.Fatalf("got %q", got)
	}
}

// TestForwardKeepsTheReplyAfterHalfClose: nc -N sends its input, shuts
// down its sending side and reads on; mod_forward must pass the half-close
// to the upstream and the upstream's reply back before it hangs up.
func TestForwardKeepsTheReplyAfterHalfClose(t *testing.T) {
	nc := testenv.NeedTool(t, "nc", "netcat-openbsd")
	echo, fwd := freePort(t), freePort(t)
	startHost(t, fmt.Sprintf(`modules_enabled = { "echo", "forward" }
interfaces = { "127.0.0.1" }
echo_ports = { %d }
forward_ports = { %d }
forward_upstream = "127.0.0.1:%d"
`, echo, fwd, echo), nil)
	for i := 0; i < 10; i++ {
		msg := fmt.Sprintf("request %d\n", i)
		cmd := exec.Command(nc, "-N", "-w", "30", "127.0.0.1", fmt.Sprint(fwd)) // -w only bounds a hang
		cmd.Stdin = strings.NewReader(msg)
		out, err := cmd.CombinedOutput()
		if err != nil || string(out) != msg {
			t.Errorf("nc -N, try %d: got %q (%v), want %q", i, out, err, msg)
		}
	}
	// A client that half-closes at once, likely before the upstream
	// connection is up: the half-close must still reach the upstream, so
	// the connection ends at once rather than when nc -w gives up (which
	// is the bound: a loaded machine may take seconds, never 30).
	start := time.Now()
	cmd := exec.Command(nc, "-N", "-w", "30", "127.0.0.1", fmt.Sprint(fwd))
	cmd.Stdin = strings.NewReader("")
	if out, err := cmd.CombinedOutput(); err != nil || len(out) != 0 || time.Since(start) >= 30*time.Second {
		t.Errorf("nc -N with nothing to send: %q (%v) after %s", out, err, time.Since(start))
	}
}
