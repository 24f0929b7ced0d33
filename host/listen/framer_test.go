package listen

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moonport/moonport/host/value"
)

func frames(m Mode, chunks ...string) []string {
	var f framer
	var out []string
	for _, c := range chunks {
		f.add([]byte(c))
		for {
			fr, ok := f.next(m)
			if !ok {
				break
			}
			out = append(out, string(fr))
		}
		f.release()
	}
	return out
}

func TestFraming(t *testing.T) {
	cases := []struct {
		name   string
		mode   Mode
		chunks []string
		want   string
	}{
		{"chunks pass through", ChunkMode(8192), []string{"abc", "def"}, "abc|def"},
		{"chunks are capped", ChunkMode(4), []string{"abcdefghij"}, "abcd|efgh|ij"},
		{"lines", Mode{Kind: Lines, N: 8192}, []string{"one\ntwo\r\nthr", "ee\n\n"}, "one|two|three|"},
		{"lines drop every CR", Mode{Kind: Lines, N: 8192}, []string{"a\rb\r\n"}, "ab"},
		{"byte counts", Mode{Kind: Bytes, N: 3}, []string{"abcdefg", "h"}, "abc|def|g|h"},
	}
	for _, c := range cases {
		if got := strings.Join(frames(c.mode, c.chunks...), "|"); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	// A line that never ends stays pending (the connection bounds it).
	if got := frames(Mode{Kind: Lines}, strings.Repeat("x", 5000)); len(got) != 0 {
		t.Errorf("unterminated line: %d frames", len(got))
	}
}

func TestParseMode(t *testing.T) {
	for _, c := range []struct {
		in   any
		want Mode
		bad  bool
	}{
		{nil, ChunkMode(100), false}, {"*a", ChunkMode(100), false}, {"*l", Mode{Kind: Lines, N: 100}, false},
		{float64(16), Mode{Kind: Bytes, N: 16}, false}, {"*x", Mode{}, true}, {float64(0), Mode{}, true}, {1.5, Mode{}, true},
	} {
		got, err := ParseMode(c.in, 100)
		if (err != nil) != c.bad || (!c.bad && got != c.want) {
			t.Errorf("ParseMode(%v) = %+v, %v", c.in, got, err)
		}
	}
}

func TestSettingsApply(t *testing.T) {
	snapTable := func(kv map[any]any) *value.Table { return &value.Table{Hash: kv} }
	s, warns, err := DefaultSettings().Apply(snapTable(map[any]any{"read_timeout": 1.5, "nagle": false, "tcp_keepalive": 30.0, "bogus": 1.0}), "network_settings")
	if err != nil {
		t.Fatal(err)
	}
	if s.ReadTimeout.Seconds() != 1.5 || s.Nagle || s.KeepAlive.Seconds() != 30 || s.SendTimeout.Seconds() != 180 {
		t.Errorf("settings: %+v", s)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], `unknown network setting "bogus"`) {
		t.Errorf("warnings: %q", warns)
	}
	_, _, err = DefaultSettings().Apply(snapTable(map[any]any{"tcp_backlog": "lots"}), "network_settings")
	if err == nil || !strings.Contains(err.Error(), `network_settings: tcp_backlog = "lots": expected a whole number of connections from 1 to 65535`) {
		t.Errorf("bad value error: %v", err)
	}
}

// BenchmarkFrameLines cuts a read of many short lines into frames.
func BenchmarkFrameLines(b *testing.B) {
	chunk := []byte(strings.Repeat("PING some arguments here\r\n", 300))
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)))
	var f framer
	for i := 0; i < b.N; i++ {
		f.add(chunk)
		for {
			if _, ok := f.next(Mode{Kind: Lines, N: 8192}); !ok {
				break
			}
		}
		f.release()
	}
}

// recorder is a Handler that keeps the frames it is given.
type recorder struct{ frames []string }

func (r *recorder) Connected(*Conn)            {}
func (r *recorder) Incoming(_ *Conn, d []byte) { r.frames = append(r.frames, string(d)) }
func (r *recorder) ReadTimeout(*Conn) bool     { return false }
func (r *recorder) Drained(*Conn)              {}
func (r *recorder) Secured(*Conn, bool)        {}
func (r *recorder) Disconnected(*Conn, error)  {}

// TestHandOverAcrossReads delivers a line that arrives in several reads
// whole, once, and the lines after it too.
func TestHandOverAcrossReads(t *testing.T) {
	rec := &recorder{}
	c := newConn(nil, rec, DefaultSettings())
	c.SetMode(Mode{Kind: Lines, N: 8192})
	var f framer
	for _, chunk := range []string{"ha", "lf and ", "half\nnext\nla", "st\n"} {
		if c.handOver(&f, []byte(chunk), true) == connGone {
			t.Fatal("connection gone")
		}
	}
	if got := strings.Join(rec.frames, "|"); got != "half and half|next|last" {
		t.Fatalf("frames %q", got)
	}
}

// eventLog is a Handler that notes the frames and the end of a connection
// in order; it is safe to use from the connection's goroutines.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) note(s string) {
	l.mu.Lock()
	l.events = append(l.events, s)
	l.mu.Unlock()
}

func (l *eventLog) Connected(*Conn)               {}
func (l *eventLog) Incoming(_ *Conn, d []byte)    { l.note(string(d)) }
func (l *eventLog) ReadTimeout(*Conn) bool        { return false }
func (l *eventLog) Drained(*Conn)                 {}
func (l *eventLog) Secured(*Conn, bool)           {}
func (l *eventLog) Disconnected(_ *Conn, e error) { l.note("disconnected: " + errorString(e)) }

func errorString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// TestLastLineWithoutEndAtEOF: in "*l" mode the bytes after the last
// newline are a line too once the peer closes its side; they reach the
// handler before the disconnect, as in Prosody (LuaSocket's partial result).
func TestLastLineWithoutEndAtEOF(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	log := &eventLog{}
	c := newConn(server, log, DefaultSettings())
	c.SetMode(Mode{Kind: Lines, N: 8192})
	c.start()
	client.Write([]byte("first\r\nsecond line\r\nno e\rnd"))
	client.(*net.TCPConn).CloseWrite()
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the connection did not end after the peer closed")
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if got := strings.Join(log.events, "|"); got != "first|second line|no end|disconnected: closed" {
		t.Fatalf("events %q", got)
	}
}

// TestTail: the framer gives its held bytes up as a last frame.
func TestTail(t *testing.T) {
	var f framer
	f.add([]byte("a\nb\rc"))
	if fr, ok := f.next(Mode{Kind: Lines}); !ok || string(fr) != "a" {
		t.Fatalf("first line %q %v", fr, ok)
	}
	if fr, ok := f.tail(Mode{Kind: Lines}); !ok || string(fr) != "bc" {
		t.Fatalf("tail %q %v", fr, ok)
	}
	if fr, ok := f.tail(Mode{Kind: Lines}); ok {
		t.Fatalf("a second tail %q", fr)
	}
}
