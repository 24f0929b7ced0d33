package listen

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"sync"

	"github.com/moonport/moonport/host/ports"
	"github.com/sirupsen/logrus"
)

// Pool holds the open listening sockets by binding key. Applying a new plan
// opens what is new, closes what is gone and keeps the rest open, handing
// them the new handler, so a reload never drops a listening socket that is
// still wanted.
type Pool struct {
	srv       *Server
	log       logrus.FieldLogger
	mu        sync.Mutex
	listeners map[string]*Listener
	adopted   map[string]net.Listener // sockets systemd passed, not yet used
	binder    func(func())            // runs binds where the right to bind low ports is (after a privilege drop)
	sockets   Sockets                 // the upgrader, when there is one
}

// Sockets opens listening sockets; a zero-downtime upgrader
// (host/upgrade) implements it to hand the sockets it was given to the
// pool, and to pass the pool's sockets to the next process. release is
// called once the pool closed the socket, so that it is not passed on.
type Sockets interface {
	Listen(network, addr string, open func() (net.Listener, error)) (ln net.Listener, release func(), err error)
	ListenPacket(network, addr string, open func() (net.PacketConn, error)) (pc net.PacketConn, release func(), err error)
}

// SetSockets routes every later bind through s.
func (p *Pool) SetSockets(s Sockets) {
	p.mu.Lock()
	p.sockets = s
	p.mu.Unlock()
}

// SetBinder makes every later bind run through run (privilege.Binder).
func (p *Pool) SetBinder(run func(func())) {
	p.mu.Lock()
	p.binder = run
	p.mu.Unlock()
}

func (p *Pool) openTCP(b ports.Binding, s Settings) (net.Listener, func(), error) {
	if p.sockets == nil {
		ln, err := listenTCP(b, s)
		return ln, nil, err
	}
	ln, release, err := p.sockets.Listen(b.Network, b.AddrPort(), func() (net.Listener, error) { return listenTCP(b, s) })
	if err != nil {
		var be *BindError
		if !errors.As(err, &be) {
			err = &BindError{Binding: b, Err: err}
		}
	}
	return ln, release, err
}

func (p *Pool) openUDP(b ports.Binding, s Settings) (*net.UDPConn, func(), error) {
	if p.sockets == nil {
		pc, err := listenUDP(b, s)
		return pc, nil, err
	}
	pc, release, err := p.sockets.ListenPacket(b.Network, b.AddrPort(), func() (net.PacketConn, error) { return listenUDP(b, s) })
	if err != nil {
		var be *BindError
		if !errors.As(err, &be) {
			err = &BindError{Binding: b, Err: err}
		}
		return nil, nil, err
	}
	udp, ok := pc.(*net.UDPConn)
	if !ok {
		_ = pc.Close()
		if release != nil {
			release()
		}
		return nil, nil, &BindError{Binding: b, Err: fmt.Errorf("%T is not a UDP socket", pc)}
	}
	return udp, release, nil
}

func (p *Pool) bind(f func()) {
	if p.binder != nil {
		p.binder(f)
		return
	}
	f()
}

// Adopt hands the pool listening sockets opened by someone else (systemd
// socket activation): a binding on the same address uses one instead of
// binding itself.
func (p *Pool) Adopt(ls []net.Listener) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.adopted == nil {
		p.adopted = map[string]net.Listener{}
	}
	for _, l := range ls {
		ta, ok := l.Addr().(*net.TCPAddr)
		if !ok {
			continue
		}
		ap := ta.AddrPort()
		network := "tcp4"
		if ap.Addr().Unmap().Is6() {
			network = "tcp6"
		}
		p.adopted[network+" "+netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()] = l
	}
}

// NewPool returns an empty pool whose connections srv tracks.
func NewPool(srv *Server, log logrus.FieldLogger) *Pool {
	return &Pool{srv: srv, log: log, listeners: map[string]*Listener{}}
}

// Endpoint is what a listener's new connections get.
type Endpoint struct {
	Handlers Source
	Settings Settings
	// TLS is the server config: for the handshake on accept when Implicit,
	// else for conn:starttls(). Nil for a plain listener.
	TLS      *tls.Config
	Implicit bool
	// ServiceMax caps the connections of the binding's whole service
	// (<service>_max_connections); 0 for none.
	ServiceMax int
	// Reserved lets connections from loopback take the ReservedPlaces
	// kept above the server-wide max_connections: the console's, so an
	// operator can still get in when the server is full.
	Reserved bool
	// HTTP, when set, makes the listener an HTTP server (net/http) instead
	// of handing connections to Handlers.
	HTTP       http.Handler
	HTTPLimits HTTPLimits
	// Packets receives the datagrams of a UDP binding.
	Packets PacketHandler
}

// Attach gives the endpoint of a binding's new connections.
type Attach func(b ports.Binding) Endpoint

// ApplyResult says what Apply did.
type ApplyResult struct {
	Opened, Kept, Closed []*Listener
	Failed               []*BindError
}

// Apply makes the open sockets match bindings, opening what it can: a
// socket that fails to open is reported and the rest go ahead.
func (p *Pool) Apply(bindings []ports.Binding, attach Attach) ApplyResult {
	return p.Stage(bindings, attach).Commit()
}

// Stage is a change of the open sockets prepared beside the running ones:
// the new ones are bound (so a port that cannot be had is known before
// anything changes) but accept nothing until Commit; Abort leaves the pool
// as it was. It is the socket half of a reload, as bridge.Stage is the
// modules' half.
type Stage struct {
	p      *Pool
	want   []ports.Binding
	attach Attach
	opened map[string]*Listener
	// suspended are open listeners the new plan drops whose sockets were
	// closed early to free their port for an overlapping new one.
	suspended []*Listener
	Failed    []*BindError
}

// Stage binds the sockets bindings need that are not open yet.
func (p *Pool) Stage(bindings []ports.Binding, attach Attach) *Stage {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := &Stage{p: p, want: bindings, attach: attach, opened: map[string]*Listener{}}
	want := map[string]bool{}
	for _, b := range bindings {
		want[b.Key()] = true
	}
	for _, b := range bindings {
		key := b.Key()
		if _, ok := p.listeners[key]; ok {
			continue
		}
		if _, ok := s.opened[key]; ok {
			continue
		}
		l := &Listener{srv: p.srv, done: make(chan struct{}), guard: newGuard(b.Listener)}
		l.binding.Store(&b)
		l.Update(attach(b))
		if err := p.openOrSwap(s, l, want); err != nil {
			s.Failed = append(s.Failed, err.(*BindError))
			continue
		}
		s.opened[key] = l
	}
	return s
}

// open binds l's socket: the one systemd passed for its address, else a
// new one (through the binder when there is one); the upgrader, when
// there is one, registers either.
func (p *Pool) open(l *Listener) error {
	b, st := l.Binding(), l.endpoint.Load().Settings
	key := b.Key()
	var err error
	switch {
	case strings.HasPrefix(b.Network, "udp"):
		p.bind(func() { l.pc, l.release, err = p.openUDP(b, st) })
	case p.adopted[key] != nil:
		ln := p.adopted[key]
		delete(p.adopted, key)
		l.ln = ln
		if p.sockets != nil {
			// Registered like the rest, so that an upgrade hands it over.
			l.ln, l.release, err = p.sockets.Listen(b.Network, b.AddrPort(), func() (net.Listener, error) { return ln, nil })
		}
		p.log.Infof("listener %s uses the socket systemd passed for %s", b.Listener, b.AddrPort())
	default:
		p.bind(func() { l.ln, l.release, err = p.openTCP(b, st) })
	}
	return err
}

// Abort closes the sockets Stage opened and reopens those it closed to
// make room; the pool is as it was.
func (s *Stage) Abort() {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	for _, l := range s.opened {
		l.closeSocket()
	}
	s.p.resume(s.suspended)
}

// Commit starts accepting on the new sockets, gives kept ones their new
// endpoint and closes the ones no binding wants. Connections accepted
// before stay open whatever happens to their socket.
func (s *Stage) Commit() ApplyResult {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	res := ApplyResult{Failed: s.Failed}
	want := map[string]bool{}
	for _, b := range s.want {
		key := b.Key()
		want[key] = true
		if l, ok := s.opened[key]; ok {
			p.listeners[key] = l
			l.start()
			res.Opened = append(res.Opened, l)
			delete(s.opened, key)
			continue
		}
		if l, ok := p.listeners[key]; ok {
			l.binding.Store(&b)
			l.Update(s.attach(b))
			res.Kept = append(res.Kept, l)
		}
	}
	for key, l := range p.listeners {
		if !want[key] {
			p.closeListener(key, l)
			res.Closed = append(res.Closed, l)
		}
	}
	return res
}

func (p *Pool) closeListener(key string, l *Listener) {
	l.closeSocket()
	<-l.done
	l.stopHTTP()
	l.stopLoops()
	l.guard.flush(l.logWarn)
	delete(p.listeners, key)
}

// Listeners lists the open sockets, sorted by service, listener and address.
func (p *Pool) Listeners() []*Listener {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*Listener, 0, len(p.listeners))
	for _, l := range p.listeners {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Binding(), out[j].Binding()
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Listener != b.Listener {
			return a.Listener < b.Listener
		}
		return a.Key() < b.Key()
	})
	return out
}

// Close closes every listening socket; connections stay (see Server.Shutdown).
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for key, l := range p.listeners {
		p.closeListener(key, l)
	}
}

// Open returns the open listener of a binding key, or nil.
func (p *Pool) Open(key string) *Listener {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.listeners[key]
}

// CloseWhere stops accepting on the sockets match selects (the console's
// port:close); their connections carry on. It returns how many closed.
func (p *Pool) CloseWhere(match func(ports.Binding) bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for key, l := range p.listeners {
		if match(l.Binding()) {
			p.closeListener(key, l)
			n++
		}
	}
	return n
}
