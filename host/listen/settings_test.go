package listen

import (
	"math"
	"strings"
	"testing"

	"github.com/moonport/moonport/host/value"
)

// TestSettingsBounds: each size, count, rate and time takes its whole
// range and nothing past it (NaN and infinities included).
func TestSettingsBounds(t *testing.T) {
	for _, c := range []struct {
		name      string
		ok, bad   []any
		wantRange string
	}{
		{"read_size", []any{1.0, float64(MaxReadSize)}, []any{0.0, float64(MaxReadSize + 1), 1e12, 1.5, math.NaN(), math.Inf(1)}, "from 1 to 1048576"},
		{"max_send_buffer_size", []any{float64(MaxBufferBytes)}, []any{float64(MaxBufferBytes + 1), 1e15}, "from 1 to 1073741824"},
		{"max_receive_buffer_size", []any{1.0}, []any{1e15}, "from 1 to 1073741824"},
		{"send_buffer_size", []any{65536.0}, []any{1e15}, "from 1 to 1073741824"},
		{"recv_buffer_size", []any{65536.0}, []any{1e15}, "from 1 to 1073741824"},
		{"tcp_backlog", []any{65535.0}, []any{65536.0}, "from 1 to 65535"},
		{"backlog", []any{1.0}, []any{1e9}, "from 1 to 65535"},
		{"max_connections", []any{float64(MaxConnections)}, []any{float64(MaxConnections + 1)}, "from 1 to 1048576"},
		{"max_connections_per_ip", []any{1.0}, []any{1e12}, "from 1 to 1048576"},
		{"ttl", []any{255.0}, []any{256.0, 0.0}, "from 1 to 255"},
		{"tos", []any{0.0, 255.0}, []any{256.0}, "from 0 to 255"},
		{"read_timeout", []any{0.0, 30 * 86400.0}, []any{30*86400.0 + 1, -1.0, 1e300, math.NaN()}, "from 0 to 2592000"},
		{"send_timeout", []any{86400.0}, []any{86401.0}, "from 0 to 86400"},
		{"ssl_handshake_timeout", []any{3600.0}, []any{3601.0}, "from 0 to 3600"},
		{"shutdown_deadline", []any{3600.0}, []any{1e12}, "from 0 to 3600"},
		{"connect_timeout", []any{0.5}, []any{1e12}, "from 0 to 3600"},
		{"tcp_keepalive", []any{true, false, 1.0, 32767.0}, []any{0.0, 32768.0, math.Inf(1)}, "from 1 to 32767"},
		{"linger", []any{false, 0.0, 3600.0}, []any{3601.0, -5.0}, "from 0 to 3600"},
		{"accept_rate", []any{0.5, 1e6}, []any{0.0, 1e7, math.NaN()}, "at most 1000000"},
		{"packet_rate", []any{1e6}, []any{math.Inf(1)}, "at most 1000000"},
		{"engine", []any{"loop", "goroutines", "default"}, []any{"epoll", 1.0, true}, `"loop", "goroutines" or "default"`},
	} {
		for _, v := range c.ok {
			if err := Check(c.name, v); err != nil {
				t.Errorf("%s = %v refused: %v", c.name, v, err)
			}
		}
		for _, v := range c.bad {
			_, _, err := DefaultSettings().Apply(&value.Table{Hash: map[any]any{c.name: v}}, "f.cfg.lua:3: network_settings")
			want := "f.cfg.lua:3: network_settings: " + c.name + " = " + value.Format(v) + ": expected"
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), c.wantRange) {
				t.Errorf("%s = %v: %v, want %q and %q", c.name, v, err, want, c.wantRange)
			}
		}
	}
}

// TestEngineSetting: engine = "goroutines" gives a listener's connections
// reader goroutines; "loop" the event loop, where the system has one.
func TestEngineSetting(t *testing.T) {
	for name, want := range map[string]Engine{"loop": EngineLoop, "goroutines": EngineGoroutines} {
		s, _, err := DefaultSettings().Apply(&value.Table{Hash: map[any]any{"engine": name}}, "network_settings")
		if err != nil || s.Engine != want {
			t.Fatalf("engine = %q: %v %v", name, s.Engine, err)
		}
	}
	if EngineGoroutines.resolve() != EngineGoroutines {
		t.Fatal("goroutines resolved to something else")
	}
	if got := EngineLoop.resolve(); (got == EngineLoop) != loopAvailable {
		t.Fatalf("loop resolves to %v with loopAvailable %v", got, loopAvailable)
	}
}
