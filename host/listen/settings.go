package listen

import (
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moonport/moonport/host/value"
)

// Settings shape sockets and connections. They come from network_settings
// (Prosody's names, plus Stalwart's socket options and moonport's
// protections), from <service>_<name> options, and from a named
// listener's own table, each overriding the one before.
type Settings struct {
	ReadTimeout      time.Duration // read_timeout: silence allowed before onreadtimeout
	SendTimeout      time.Duration // send_timeout: how long queued data may wait for the peer
	MaxSendBuffer    int           // max_send_buffer_size: bytes queued before the connection is cut
	MaxReceiveBuffer int           // max_receive_buffer_size: bytes held for an incomplete frame before the connection is cut
	Backlog          int           // tcp_backlog (or backlog)
	ReadSize         int           // read_size: bytes read from the socket at a time
	HandshakeTimeout time.Duration // ssl_handshake_timeout
	KeepAlive        time.Duration // tcp_keepalive (or keepalive): 0 off, else the probe interval
	Nagle            bool          // nagle (or nodelay = true for false)
	ShutdownDeadline time.Duration // shutdown_deadline
	ConnectTimeout   time.Duration // connect_timeout, for outgoing connections
	Engine           Engine        // engine: what reads accepted plain TCP connections (engine.go)

	// Socket options (Stalwart's). Zero values leave the system default.
	ReuseAddr  bool          // reuse_addr (default true)
	ReusePort  bool          // reuse_port
	IPv6Only   bool          // ipv6_only (default true, so "::" and "*" coexist)
	TTL        int           // ttl (IPv4) / hop limit (IPv6)
	TOS        int           // tos
	SendBuffer int           // send_buffer_size (SO_SNDBUF)
	RecvBuffer int           // recv_buffer_size (SO_RCVBUF)
	Linger     time.Duration // linger: -1 leaves the default, 0 resets on close, else waits
	hasLinger  bool

	// Protections.
	MaxConnections int            // max_connections on this listener; 0 = no cap of its own
	MaxPerAddress  int            // max_connections_per_ip from one client address
	AcceptRate     float64        // accept_rate: new connections per second (0 = unlimited)
	Allow, Deny    []netip.Prefix // allow / deny: client addresses (CIDR)
	ProxyProtocol  bool           // proxy_protocol: expect a PROXY v1/v2 header
	ProxyTrusted   []netip.Prefix // proxy_trusted: who may send one
	PacketRate     float64        // packet_rate: datagrams per second from one sender (UDP)
}

// DefaultSettings are Prosody's defaults (net/server_epoll.lua), with a
// send buffer cap Prosody's select backend also applies.
func DefaultSettings() Settings {
	return Settings{
		ReadTimeout:      840 * time.Second,
		SendTimeout:      180 * time.Second,
		MaxSendBuffer:    10 << 20,
		MaxReceiveBuffer: 1 << 20,
		Backlog:          128,
		ReadSize:         8192,
		HandshakeTimeout: 60 * time.Second,
		Nagle:            true,
		ShutdownDeadline: 5 * time.Second,
		ConnectTimeout:   20 * time.Second,
		ReuseAddr:        true,
		IPv6Only:         true,
	}
}

type setter func(s *Settings, v any) error

// Bounds of the numeric settings. A value past them is a typo (1e12 for
// 1e6) that would otherwise allocate a buffer the size of the machine's
// memory on the next connection, overflow a duration, or ask the kernel
// for what it cannot give, so Apply refuses it with the range.
const (
	MaxReadSize    = 1 << 20 // read_size: one buffer of this size per reading connection
	MaxBufferBytes = 1 << 30 // send/receive queues and socket buffers
	MaxBacklog     = 65535   // tcp_backlog
	// MaxConnections bounds every connection count: Linux's default
	// fs.nr_open, the most descriptors one process may have.
	MaxConnections = 1 << 20
	MaxRate        = 1e6   // accept_rate, packet_rate: per second
	MaxKeepAlive   = 32767 // tcp_keepalive: Linux's TCP_KEEPIDLE maximum
	Day            = 86400 // seconds
	Hour           = 3600  // seconds
)

// FormatNumber writes a bound in full (2592000, not 2.592e+06).
func FormatNumber(n float64) string { return strconv.FormatFloat(n, 'f', -1, 64) }

// inRange is false for NaN, as every comparison with it is.
func inRange(n, min, max float64) bool { return n >= min && n <= max }

func seconds(max float64, dst func(*Settings) *time.Duration) setter {
	return func(s *Settings, v any) error {
		n, ok := v.(float64)
		if !ok || !inRange(n, 0, max) {
			return fmt.Errorf("expected a number of seconds from 0 to %s", FormatNumber(max))
		}
		*dst(s) = value.Seconds(n)
		return nil
	}
}

// whole reads a whole number of unit ("" for a plain number) from min
// to max.
func whole(unit string, min, max int, dst func(*Settings) *int) setter {
	if unit != "" {
		unit = " of " + unit
	}
	return func(s *Settings, v any) error {
		n, ok := v.(float64)
		if !ok || !inRange(n, float64(min), float64(max)) || n != math.Trunc(n) {
			return fmt.Errorf("expected a whole number%s from %d to %d", unit, min, max)
		}
		*dst(s) = int(n)
		return nil
	}
}

// perSecond reads a rate above zero, up to MaxRate.
func perSecond(what string, dst func(*Settings) *float64) setter {
	return func(s *Settings, v any) error {
		n, ok := v.(float64)
		if !ok || !(n > 0 && n <= MaxRate) {
			return fmt.Errorf("expected %s per second, more than 0 and at most %s", what, FormatNumber(MaxRate))
		}
		*dst(s) = n
		return nil
	}
}

func boolean(dst func(*Settings) *bool, invert bool) setter {
	return func(s *Settings, v any) error {
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("expected true or false")
		}
		*dst(s) = b != invert
		return nil
	}
}

func prefixes(dst func(*Settings) *[]netip.Prefix) setter {
	return func(s *Settings, v any) error {
		out := []netip.Prefix{} // set but empty is not unset: an empty allow list admits nobody
		for _, e := range value.List(v) {
			str, _ := e.(string)
			p, err := ParsePrefix(str)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		*dst(s) = out
		return nil
	}
}

// ParsePrefix reads "192.0.2.0/24", "2001:db8::/32" or a single address.
func ParsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR range like \"192.0.2.0/24\"", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR range like \"192.0.2.0/24\"", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

var errKeepAlive = fmt.Errorf("expected true, false or a number of seconds from 1 to %d", MaxKeepAlive)

func keepalive(s *Settings, v any) error {
	switch x := v.(type) {
	case bool:
		s.KeepAlive = 0
		if x {
			s.KeepAlive = 15 * time.Second
		}
	case float64:
		if !inRange(x, 1, MaxKeepAlive) {
			return errKeepAlive
		}
		s.KeepAlive = value.Seconds(x)
	default:
		return errKeepAlive
	}
	return nil
}

func linger(s *Settings, v any) error {
	n, ok := v.(float64)
	if b, isBool := v.(bool); isBool && !b {
		n, ok = -1, true
	}
	if !ok || (n != -1 && !inRange(n, 0, Hour)) {
		return fmt.Errorf("expected a number of seconds from 0 to %d, or false", Hour)
	}
	s.Linger, s.hasLinger = value.Seconds(n), true
	return nil
}

var setters = map[string]setter{
	"read_timeout":            seconds(30*Day, func(s *Settings) *time.Duration { return &s.ReadTimeout }),
	"send_timeout":            seconds(Day, func(s *Settings) *time.Duration { return &s.SendTimeout }),
	"ssl_handshake_timeout":   seconds(Hour, func(s *Settings) *time.Duration { return &s.HandshakeTimeout }),
	"shutdown_deadline":       seconds(Hour, func(s *Settings) *time.Duration { return &s.ShutdownDeadline }),
	"connect_timeout":         seconds(Hour, func(s *Settings) *time.Duration { return &s.ConnectTimeout }),
	"max_send_buffer_size":    whole("bytes", 1, MaxBufferBytes, func(s *Settings) *int { return &s.MaxSendBuffer }),
	"max_receive_buffer_size": whole("bytes", 1, MaxBufferBytes, func(s *Settings) *int { return &s.MaxReceiveBuffer }),
	"read_size":               whole("bytes", 1, MaxReadSize, func(s *Settings) *int { return &s.ReadSize }),
	"tcp_backlog":             whole("connections", 1, MaxBacklog, func(s *Settings) *int { return &s.Backlog }),
	"backlog":                 whole("connections", 1, MaxBacklog, func(s *Settings) *int { return &s.Backlog }),
	"nagle":                   boolean(func(s *Settings) *bool { return &s.Nagle }, false),
	"nodelay":                 boolean(func(s *Settings) *bool { return &s.Nagle }, true),
	"tcp_keepalive":           keepalive,
	"keepalive":               keepalive,
	"reuse_addr":              boolean(func(s *Settings) *bool { return &s.ReuseAddr }, false),
	"reuse_port":              boolean(func(s *Settings) *bool { return &s.ReusePort }, false),
	"ipv6_only":               boolean(func(s *Settings) *bool { return &s.IPv6Only }, false),
	"ttl":                     whole("hops", 1, 255, func(s *Settings) *int { return &s.TTL }),
	"tos":                     whole("", 0, 255, func(s *Settings) *int { return &s.TOS }),
	"send_buffer_size":        whole("bytes", 1, MaxBufferBytes, func(s *Settings) *int { return &s.SendBuffer }),
	"recv_buffer_size":        whole("bytes", 1, MaxBufferBytes, func(s *Settings) *int { return &s.RecvBuffer }),
	"linger":                  linger,
	"max_connections":         whole("connections", 1, MaxConnections, func(s *Settings) *int { return &s.MaxConnections }),
	"max_connections_per_ip":  whole("connections", 1, MaxConnections, func(s *Settings) *int { return &s.MaxPerAddress }),
	"accept_rate":             perSecond("connections", func(s *Settings) *float64 { return &s.AcceptRate }),
	"packet_rate":             perSecond("datagrams", func(s *Settings) *float64 { return &s.PacketRate }),
	"allow":                   prefixes(func(s *Settings) *[]netip.Prefix { return &s.Allow }),
	"deny":                    prefixes(func(s *Settings) *[]netip.Prefix { return &s.Deny }),
	"proxy_protocol":          boolean(func(s *Settings) *bool { return &s.ProxyProtocol }, false),
	"proxy_trusted":           prefixes(func(s *Settings) *[]netip.Prefix { return &s.ProxyTrusted }),
	"engine":                  engine,
}

// Check says whether v is a valid value of setting name, in the words
// Apply would use ("expected … from … to …"); nil when it is.
func Check(name string, v any) error {
	set, ok := setters[name]
	if !ok {
		return fmt.Errorf("unknown network setting %q", name)
	}
	var scratch Settings
	return set(&scratch, v)
}

// IsSetting reports whether name is a network setting.
func IsSetting(name string) bool { _, ok := setters[name]; return ok }

// SettingNames lists every setting, sorted.
func SettingNames() []string {
	names := make([]string, 0, len(setters))
	for n := range setters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Apply returns s with the settings in t applied. Unknown names become
// warnings (Prosody's backends ignore what they do not know); a value of
// the wrong kind is an error naming the setting and the value.
func (s Settings) Apply(t *value.Table, where string) (Settings, []string, error) {
	if t == nil {
		return s, nil, nil
	}
	var warnings []string
	keys := t.Keys()
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
	for _, k := range keys {
		name, _ := k.(string)
		set, known := setters[name]
		if !known {
			warnings = append(warnings, fmt.Sprintf("%s: unknown network setting %s (known: %s)", where, value.Format(k), strings.Join(SettingNames(), ", ")))
			continue
		}
		if err := set(&s, t.Hash[k]); err != nil {
			return s, warnings, fmt.Errorf("%s: %s = %s: %v", where, name, value.Format(t.Hash[k]), err)
		}
	}
	for _, n := range t.Array {
		warnings = append(warnings, fmt.Sprintf("%s: list entry %s ignored; write name = value", where, value.Format(n)))
	}
	if s.ProxyProtocol && len(s.ProxyTrusted) == 0 {
		return s, warnings, fmt.Errorf("%s: proxy_protocol needs proxy_trusted = { \"…\" }: the load balancers' addresses; a PROXY header from anyone else would let them pose as any client", where)
	}
	return s, warnings, nil
}
