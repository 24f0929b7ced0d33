package listen

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	proxyproto "github.com/pires/go-proxyproto"
	"golang.org/x/time/rate"
)

// guard decides at accept time whether a listener takes a connection:
// access lists, its own cap, the cap per client address and the accept
// rate. Refusals are counted and logged at most once a second, so a flood
// cannot become a log flood.
type guard struct {
	mu       sync.Mutex
	limiter  *rate.Limiter
	rate     float64
	perAddr  map[netip.Addr]int
	refused  map[string]int
	lastLog  time.Time
	listener string
}

func newGuard(listener string) *guard {
	return &guard{perAddr: map[netip.Addr]int{}, refused: map[string]int{}, listener: listener}
}

func peerAddr(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(ta.IP); ok {
			return ip.Unmap()
		}
	}
	return netip.Addr{}
}

func contains(list []netip.Prefix, a netip.Addr) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// allowed applies allow and deny to a client address: deny wins; an allow
// list, once given, admits only its members (so allow = { } admits nobody,
// as Vodia's empty trusted-address list does).
func allowed(s Settings, a netip.Addr) bool {
	if contains(s.Deny, a) {
		return false
	}
	return s.Allow == nil || contains(s.Allow, a)
}

// admit says why a new connection from peer must be refused ("" admits
// it and counts it against the per-address cap).
func (g *guard) admit(s Settings, st *Stats, peer netip.Addr) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if s.ProxyProtocol {
		if !contains(s.ProxyTrusted, peer) {
			return "not a trusted proxy"
		}
	} else if !allowed(s, peer) {
		return "address not allowed"
	}
	if s.AcceptRate > 0 {
		if g.limiter == nil || g.rate != s.AcceptRate {
			burst := int(s.AcceptRate)
			if burst < 1 {
				burst = 1
			}
			g.limiter, g.rate = rate.NewLimiter(rate.Limit(s.AcceptRate), burst), s.AcceptRate
		}
		if !g.limiter.Allow() {
			return "accept rate exceeded"
		}
	}
	if s.MaxConnections > 0 && int(st.Open.Load()) >= s.MaxConnections {
		return "listener full (max_connections)"
	}
	if s.MaxPerAddress > 0 && !s.ProxyProtocol && g.perAddr[peer] >= s.MaxPerAddress {
		return "too many connections from this address (max_connections_per_ip)"
	}
	g.perAddr[peer]++
	return ""
}

// release gives back a connection's place in the per-address count.
func (g *guard) release(peer netip.Addr) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.perAddr[peer] <= 1 {
		delete(g.perAddr, peer)
	} else {
		g.perAddr[peer]--
	}
}

// refuse counts a refusal and logs the refusals of the last second.
func (g *guard) refuse(log func(string), why string) {
	g.mu.Lock()
	g.refused[why]++
	if time.Since(g.lastLog) < time.Second {
		g.mu.Unlock()
		return
	}
	var parts []string
	total := 0
	for w, n := range g.refused {
		parts = append(parts, fmt.Sprintf("%d %s", n, w))
		total += n
	}
	sort.Strings(parts)
	g.refused = map[string]int{}
	g.lastLog = time.Now()
	g.mu.Unlock()
	log(fmt.Sprintf("listener %s refused %d connection(s): %s", g.listener, total, strings.Join(parts, ", ")))
}

// socketControl sets the listening socket's options before bind.
func socketControl(s Settings, network string) func(string, string, syscall.RawConn) error {
	return func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			set := func(name string, level, opt, val int) {
				if serr == nil {
					if e := syscall.SetsockoptInt(int(fd), level, opt, val); e != nil {
						serr = fmt.Errorf("socket option %s = %d: %w", name, val, e)
					}
				}
			}
			set("reuse_addr", syscall.SOL_SOCKET, syscall.SO_REUSEADDR, b2i(s.ReuseAddr))
			if s.ReusePort {
				set("reuse_port", syscall.SOL_SOCKET, 0xf /* SO_REUSEPORT */, 1)
			}
			if network == "tcp6" {
				set("ipv6_only", syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, b2i(s.IPv6Only))
			}
			if s.RecvBuffer > 0 { // inherited by accepted sockets; sets the TCP window
				set("recv_buffer_size", syscall.SOL_SOCKET, syscall.SO_RCVBUF, s.RecvBuffer)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// connOptions sets an accepted socket's own options.
func connOptions(nc net.Conn, s Settings) error {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	_ = tc.SetNoDelay(!s.Nagle)
	if s.KeepAlive > 0 {
		_ = tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: s.KeepAlive, Interval: s.KeepAlive, Count: 3})
	} else {
		_ = tc.SetKeepAlive(false)
	}
	if s.hasLinger {
		if err := tc.SetLinger(int(s.Linger / time.Second)); err != nil {
			return fmt.Errorf("socket option linger: %w", err)
		}
	}
	if s.SendBuffer > 0 {
		if err := tc.SetWriteBuffer(s.SendBuffer); err != nil {
			return fmt.Errorf("socket option send_buffer_size: %w", err)
		}
	}
	if s.TTL == 0 && s.TOS == 0 {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return err
	}
	v6 := peerAddr(tc.LocalAddr()).Is6()
	var serr error
	set := func(name string, v4opt, v6opt, val int) {
		if val <= 0 || serr != nil {
			return
		}
		level, opt := syscall.IPPROTO_IP, v4opt
		if v6 {
			level, opt = syscall.IPPROTO_IPV6, v6opt
		}
		_ = rc.Control(func(fd uintptr) {
			if err := syscall.SetsockoptInt(int(fd), level, opt, val); err != nil {
				serr = fmt.Errorf("socket option %s = %d: %w", name, val, err)
			}
		})
	}
	set("ttl", syscall.IP_TTL, syscall.IPV6_UNICAST_HOPS, s.TTL)
	set("tos", syscall.IP_TOS, syscall.IPV6_TCLASS, s.TOS)
	return serr
}

// errProxyHeader is why a connection on a PROXY-protocol listener closed.
var errProxyHeader = errors.New("missing or malformed PROXY protocol header")

// prefixConn replays bytes read past a PROXY header before the socket's
// own data.
type prefixConn struct {
	net.Conn
	rest []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.rest) > 0 {
		n := copy(b, p.rest)
		p.rest = p.rest[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}

// readProxyHeader reads a PROXY v1 or v2 header within timeout and
// returns the original client's address (nil for a LOCAL header, as
// health checks send) and the connection to read the rest from.
func readProxyHeader(nc net.Conn, timeout time.Duration) (net.Addr, net.Conn, error) {
	_ = nc.SetReadDeadline(time.Now().Add(timeout))
	defer nc.SetReadDeadline(time.Time{})
	br := bufio.NewReaderSize(nc, 256)
	h, err := proxyproto.Read(br)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errProxyHeader, err)
	}
	var out net.Conn = nc
	if n := br.Buffered(); n > 0 {
		rest, _ := br.Peek(n)
		out = &prefixConn{Conn: nc, rest: append([]byte(nil), rest...)}
	}
	if h.Command.IsLocal() {
		return nil, out, nil
	}
	return h.SourceAddr, out, nil
}
