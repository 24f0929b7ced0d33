package listen

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// guard decides at accept time whether a listener takes a connection:
// access lists, its own cap, the cap per client address and the accept
// rate. Refusals are counted and logged at most once a second; those held
// back are reported when the second ends, so a flood cannot become a log
// flood and no refusal goes unmentioned.
type guard struct {
	mu       sync.Mutex
	limiter  *rate.Limiter
	rate     float64
	perAddr  map[netip.Addr]int
	refused  map[string]int
	lastLog  time.Time
	tail     *time.Timer // reports the refusals held back; nil when none wait
	listener string
}

// refuseWindow is how often a listener's refusals are logged at most.
const refuseWindow = time.Second

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

// slot is a connection's place in its listener's count per client
// address. On a PROXY-protocol listener the client is known only once the
// header is read, so the slot is taken then.
type slot struct {
	addr netip.Addr
	held bool // counted in perAddr
	gone bool // released: a late header must not take a place
}

// admit says why a new connection from peer must be refused ("" admits
// it). On a PROXY-protocol listener peer is the proxy, and the client it
// speaks for is judged later by admitClient.
func (g *guard) admit(s Settings, st *Stats, peer netip.Addr) (string, *slot) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if s.ProxyProtocol && !contains(s.ProxyTrusted, peer) {
		return "not a trusted proxy", nil
	}
	if !s.ProxyProtocol && !allowed(s, peer) {
		return "address not allowed", nil
	}
	if s.AcceptRate > 0 {
		if g.limiter == nil || g.rate != s.AcceptRate {
			burst := max(int(s.AcceptRate), 1)
			g.limiter, g.rate = rate.NewLimiter(rate.Limit(s.AcceptRate), burst), s.AcceptRate
		}
		if !g.limiter.Allow() {
			return "accept rate exceeded", nil
		}
	}
	if s.MaxConnections > 0 && int(st.Open.Load()) >= s.MaxConnections {
		return "listener full (max_connections)", nil
	}
	sl := &slot{}
	if !s.ProxyProtocol {
		if why := g.holdLocked(s, sl, peer); why != "" {
			return why, nil
		}
	}
	return "", sl
}

// admitClient judges the client a PROXY header named: allow, deny and
// max_connections_per_ip apply to it as to a direct peer.
func (g *guard) admitClient(s Settings, sl *slot, client netip.Addr) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if sl.gone {
		return "closed before its PROXY header was read"
	}
	if !allowed(s, client) {
		return "address not allowed"
	}
	return g.holdLocked(s, sl, client)
}

// holdLocked counts a connection against its address's cap.
func (g *guard) holdLocked(s Settings, sl *slot, a netip.Addr) string {
	if s.MaxPerAddress > 0 && g.perAddr[a] >= s.MaxPerAddress {
		return "too many connections from this address (max_connections_per_ip)"
	}
	g.perAddr[a]++
	sl.addr, sl.held = a, true
	return ""
}

// release gives back a connection's place in the per-address count.
func (g *guard) release(sl *slot) {
	g.mu.Lock()
	defer g.mu.Unlock()
	sl.gone = true
	if !sl.held {
		return
	}
	sl.held = false
	if g.perAddr[sl.addr] <= 1 {
		delete(g.perAddr, sl.addr)
	} else {
		g.perAddr[sl.addr]--
	}
}

// refuse counts a refusal. The first of a window is logged at once; the
// ones after it are reported together when the window ends.
func (g *guard) refuse(log func(string), why string) {
	g.mu.Lock()
	g.refused[why]++
	if wait := refuseWindow - time.Since(g.lastLog); wait > 0 {
		if g.tail == nil {
			g.tail = time.AfterFunc(wait, func() { g.report(log, "more ") })
		}
		g.mu.Unlock()
		return
	}
	g.mu.Unlock()
	g.report(log, "")
}

// report logs the refusals counted since the last report, if any.
func (g *guard) report(log func(string), more string) {
	g.mu.Lock()
	g.tail = nil
	var parts []string
	total := 0
	for w, n := range g.refused {
		parts = append(parts, fmt.Sprintf("%d %s", n, w))
		total += n
	}
	sort.Strings(parts)
	clear(g.refused)
	g.lastLog = time.Now()
	g.mu.Unlock()
	if total == 0 {
		return
	}
	since := ""
	if more != "" {
		since = " in the last " + refuseWindow.String()
	}
	log(fmt.Sprintf("listener %s refused %d %sconnection(s)%s: %s", g.listener, total, more, since, strings.Join(parts, ", ")))
}

// flush reports the refusals held back at once (the listener is closing).
func (g *guard) flush(log func(string)) {
	g.mu.Lock()
	waiting := g.tail != nil && g.tail.Stop()
	g.mu.Unlock()
	if waiting {
		g.report(log, "more ")
	}
}
