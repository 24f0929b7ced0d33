package core

import (
	"fmt"
	"io"
	"net"
	"testing"
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
	c.send("first\nlast without end")
	if err := c.Conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c.r)
	if err != nil {
		t.Fatalf("reading: %v (got %q)", err, got)
	}
	if string(got) != "got first\ngot last without end\n" {
		t.Fatalf("got %q", got)
	}
}
