package e2e

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/internal/testenv"
)

// consoleClient is a logged-in admin console session.
type consoleClient struct{ *testenv.LineClient }

func loginConsole(t *testing.T, port int) consoleClient {
	t.Helper()
	c := testenv.DialLine(t, port)
	if banner := c.Line(); !strings.HasPrefix(banner, "moonport console") {
		t.Fatalf("console banner %q", banner)
	}
	c.Expect("Password:")
	c.Send(soakPassword + "\n")
	c.Expect("OK: authenticated")
	return consoleClient{c}
}

// command runs one console command and returns its status line ("OK…"
// or "!…"); output lines before it are skipped. Safe to call from a
// goroutine other than the test's: it reports errors instead of failing.
func (s consoleClient) command(line string) string {
	if _, err := s.Write([]byte(line + "\n")); err != nil {
		return "! write: " + err.Error()
	}
	for {
		l, err := s.ReadLine()
		if err != nil {
			return "! read: " + err.Error()
		}
		if strings.HasPrefix(l, "OK") || strings.HasPrefix(l, "!") {
			return l
		}
	}
}

func dialQuiet(port int) (net.Conn, error) {
	return net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
}
