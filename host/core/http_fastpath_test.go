package core

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHTTPBodyLimitFollowsReload: a reload that lowers
// http_max_content_size lowers it for the HTTP/1.1 fast path too: a
// longer body is answered 413 and the connection closed, as net/http
// answers it (issue 18).
func TestHTTPBodyLimitFollowsReload(t *testing.T) {
	th, plain, _, _ := httpHost(t, "http_max_content_size = 1000")
	cfg := filepath.Join(th.dir, "prosody.cfg.lua")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), "http_max_content_size = 1000", "http_max_content_size = 10", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := th.Reload("test"); err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", plain), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.WriteString(c, "POST /r/items/x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n"+strings.Repeat("b", 100)+
		"GET /r/hello HTTP/1.1\r\nHost: a\r\n\r\n")
	got, _ := io.ReadAll(c)
	if !strings.HasPrefix(string(got), "HTTP/1.1 413 ") || !strings.Contains(string(got), "Connection: close\r\n") || strings.Contains(string(got), "hello") {
		t.Errorf("a body over the reloaded limit: %q", got)
	}
}
