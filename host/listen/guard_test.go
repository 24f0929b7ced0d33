package listen

import (
	"strings"
	"testing"
	"time"
)

// TestRefusalLogReportsTheTail: refusals are logged at most once a second
// per listener, and those held back are reported when the second ends.
func TestRefusalLogReportsTheTail(t *testing.T) {
	g := newGuard("web")
	logs := make(chan string, 16)
	for i := 0; i < 15; i++ {
		g.refuse(func(s string) { logs <- s }, "listener full (max_connections)")
	}
	first := <-logs
	if !strings.Contains(first, "listener web refused 1 connection(s)") {
		t.Errorf("first line: %q", first)
	}
	select {
	case tail := <-logs:
		if !strings.Contains(tail, "14 more") || !strings.Contains(tail, "listener full (max_connections)") {
			t.Errorf("tail line: %q", tail)
		}
	case <-time.After(30 * time.Second): // due after 1 s; the bound is for a loaded machine
		t.Fatal("the 14 refusals after the first were never logged")
	}
	select {
	case extra := <-logs:
		t.Errorf("a line with nothing to report: %q", extra)
	case <-time.After(1500 * time.Millisecond):
	}
}
