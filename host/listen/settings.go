package listen

import (
	"fmt"
	"sort"
	"time"

	"github.com/moonport/moonport/lua/luaval"
)

// Settings are the network_settings that shape sockets and connections,
// under Prosody's names; a named listener may override any of them.
type Settings struct {
	ReadTimeout      time.Duration // read_timeout: silence allowed before onreadtimeout
	SendTimeout      time.Duration // send_timeout: how long queued data may wait for the peer
	MaxSendBuffer    int           // max_send_buffer_size: bytes queued before the connection is cut
	Backlog          int           // tcp_backlog
	ReadSize         int           // read_size: bytes read from the socket at a time
	HandshakeTimeout time.Duration // ssl_handshake_timeout
	KeepAlive        time.Duration // tcp_keepalive: 0 off, else the probe interval
	Nagle            bool          // nagle: leave Nagle's algorithm on
	ShutdownDeadline time.Duration // shutdown_deadline
	ConnectTimeout   time.Duration // connect_timeout, for outgoing connections
}

// DefaultSettings are Prosody's defaults (net/server_epoll.lua), with a
// send buffer cap Prosody's select backend also applies.
func DefaultSettings() Settings {
	return Settings{
		ReadTimeout:      840 * time.Second,
		SendTimeout:      180 * time.Second,
		MaxSendBuffer:    10 << 20,
		Backlog:          128,
		ReadSize:         8192,
		HandshakeTimeout: 60 * time.Second,
		Nagle:            true,
		ShutdownDeadline: 5 * time.Second,
		ConnectTimeout:   20 * time.Second,
	}
}

type settingKind int

const (
	seconds settingKind = iota
	byteCount
	count
	flag
	keepalive
)

var settingNames = map[string]settingKind{
	"read_timeout": seconds, "send_timeout": seconds, "ssl_handshake_timeout": seconds,
	"shutdown_deadline": seconds, "connect_timeout": seconds,
	"max_send_buffer_size": byteCount, "read_size": byteCount, "tcp_backlog": count,
	"nagle": flag, "tcp_keepalive": keepalive,
}

// IsSetting reports whether name is a network setting.
func IsSetting(name string) bool { _, ok := settingNames[name]; return ok }

// Apply returns s with the settings in t applied. Unknown names become
// warnings (Prosody's backends ignore what they do not know); a value of
// the wrong kind is an error naming the setting and the value.
func (s Settings) Apply(t *luaval.Table, where string) (Settings, []string, error) {
	if t == nil {
		return s, nil, nil
	}
	var warnings []string
	keys := t.Keys()
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
	for _, k := range keys {
		name, _ := k.(string)
		kind, known := settingNames[name]
		v := t.Hash[k]
		if !known {
			warnings = append(warnings, fmt.Sprintf("%s: unknown network setting %s (known: read_timeout, send_timeout, max_send_buffer_size, tcp_backlog, read_size, ssl_handshake_timeout, tcp_keepalive, nagle, shutdown_deadline, connect_timeout)", where, luaval.Format(k)))
			continue
		}
		bad := func(want string) error {
			return fmt.Errorf("%s: %s = %s: expected %s", where, name, luaval.Format(v), want)
		}
		num, isNum := v.(float64)
		b, isBool := v.(bool)
		switch kind {
		case seconds:
			if !isNum || num < 0 {
				return s, warnings, bad("a number of seconds")
			}
			d := time.Duration(num * float64(time.Second))
			switch name {
			case "read_timeout":
				s.ReadTimeout = d
			case "send_timeout":
				s.SendTimeout = d
			case "ssl_handshake_timeout":
				s.HandshakeTimeout = d
			case "shutdown_deadline":
				s.ShutdownDeadline = d
			case "connect_timeout":
				s.ConnectTimeout = d
			}
		case byteCount, count:
			if !isNum || num < 1 || num != float64(int(num)) {
				return s, warnings, bad("a whole number above zero")
			}
			switch name {
			case "max_send_buffer_size":
				s.MaxSendBuffer = int(num)
			case "read_size":
				s.ReadSize = int(num)
			case "tcp_backlog":
				s.Backlog = int(num)
			}
		case flag:
			if !isBool {
				return s, warnings, bad("true or false")
			}
			s.Nagle = b
		case keepalive:
			switch {
			case isBool && b:
				s.KeepAlive = 15 * time.Second
			case isBool:
				s.KeepAlive = 0
			case isNum && num > 0:
				s.KeepAlive = time.Duration(num * float64(time.Second))
			default:
				return s, warnings, bad("true, false or a number of seconds")
			}
		}
	}
	for _, n := range t.Array {
		warnings = append(warnings, fmt.Sprintf("%s: list entry %s ignored; write name = value", where, luaval.Format(n)))
	}
	return s, warnings, nil
}
