package listen

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"

	"golang.org/x/time/rate"

	"github.com/moonport/moonport/host/ports"
)

// Packet is one datagram a UDP service received.
type Packet struct {
	Data []byte
	From netip.AddrPort
	pc   *net.UDPConn
	st   *Stats
}

// Reply sends data back to the packet's sender from the same socket.
func (p *Packet) Reply(data []byte) error {
	n, err := p.pc.WriteToUDPAddrPort(data, p.From)
	p.st.BytesOut.Add(int64(n))
	return err
}

// PacketHandler receives a UDP service's datagrams, one at a time per
// socket: the socket is not read again until Packet returns.
type PacketHandler interface {
	Packet(p *Packet)
}

func listenUDP(b ports.Binding, s Settings) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: socketControl(s, "udp"+b.Network[3:])}
	pc, err := lc.ListenPacket(context.Background(), b.Network, b.AddrPort())
	if err != nil {
		return nil, &BindError{Binding: b, Err: err}
	}
	return pc.(*net.UDPConn), nil
}

// peerLimiter holds one token bucket per sender (packet_rate).
type peerLimiter struct {
	mu    sync.Mutex
	rate  float64
	peers map[netip.Addr]*rate.Limiter
}

func (p *peerLimiter) allow(perSecond float64, a netip.Addr) bool {
	if perSecond <= 0 {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.peers == nil || p.rate != perSecond || len(p.peers) > 65536 {
		p.peers, p.rate = map[netip.Addr]*rate.Limiter{}, perSecond // a flood of senders cannot grow it without bound
	}
	l := p.peers[a]
	if l == nil {
		burst := int(perSecond)
		if burst < 1 {
			burst = 1
		}
		l = rate.NewLimiter(rate.Limit(perSecond), burst)
		p.peers[a] = l
	}
	return l.Allow()
}

// packetLoop reads datagrams and hands each to the endpoint's handler,
// after the access lists and the per-sender rate.
func (l *Listener) packetLoop() {
	defer close(l.done)
	buf := make([]byte, 65535)
	var limits peerLimiter
	for {
		n, from, err := l.pc.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		ep := l.endpoint.Load()
		peer := from.Addr().Unmap()
		l.Stats.BytesIn.Add(int64(n))
		switch {
		case !allowed(ep.Settings, peer):
			l.Stats.Rejected.Add(1)
			l.guard.refuse(l.logWarn, "datagram from an address not allowed ("+peer.String()+")")
			continue
		case !limits.allow(ep.Settings.PacketRate, peer):
			l.Stats.Rejected.Add(1)
			l.guard.refuse(l.logWarn, "datagram over packet_rate")
			continue
		}
		l.Stats.Accepted.Add(1)
		if ep.Packets == nil {
			continue
		}
		ep.Packets.Packet(&Packet{Data: append([]byte(nil), buf[:n]...), From: netip.AddrPortFrom(peer, from.Port()), pc: l.pc, st: &l.Stats})
	}
}
