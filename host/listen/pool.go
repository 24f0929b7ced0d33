package listen

import (
	"crypto/tls"
	"sort"
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
}

// Attach gives the endpoint of a binding's new connections.
type Attach func(b ports.Binding) Endpoint

// ApplyResult says what Apply did.
type ApplyResult struct {
	Opened, Kept, Closed []*Listener
	Failed               []*BindError
}

// Apply makes the open sockets match bindings.
func (p *Pool) Apply(bindings []ports.Binding, attach Attach) ApplyResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	var res ApplyResult
	want := map[string]bool{}
	for _, b := range bindings {
		key := b.Key()
		want[key] = true
		ep := attach(b)
		if l, ok := p.listeners[key]; ok {
			l.Binding = b
			l.Update(ep)
			res.Kept = append(res.Kept, l)
			continue
		}
		ln, err := listenTCP(b, ep.Settings)
		if err != nil {
			res.Failed = append(res.Failed, err.(*BindError))
			continue
		}
		l := &Listener{Binding: b, ln: ln, srv: p.srv, done: make(chan struct{})}
		l.Update(ep)
		p.listeners[key] = l
		go l.acceptLoop()
		res.Opened = append(res.Opened, l)
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
	_ = l.ln.Close()
	<-l.done
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
		a, b := out[i].Binding, out[j].Binding
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
