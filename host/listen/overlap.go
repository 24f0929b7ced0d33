package listen

import (
	"errors"
	"syscall"

	"github.com/moonport/moonport/host/ports"
)

// openOrSwap opens l's socket. When the kernel refuses because one of our
// own sockets that the new plan drops holds the port on an overlapping
// address — a reload widening 127.0.0.1:P to 0.0.0.0:P, or narrowing it
// back — that socket is closed first and the bind tried again; if it
// still fails, the closed one is reopened. Connections already accepted on
// it are separate sockets and carry on either way. Abort reopens what was
// closed here; Commit closes it for good, as the plan drops it.
func (p *Pool) openOrSwap(s *Stage, l *Listener, want map[string]bool) error {
	err := p.open(l)
	if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
		return err
	}
	in := p.overlapping(l.Binding(), want)
	if len(in) == 0 {
		return err
	}
	for _, o := range in {
		o.suspend()
	}
	if err := p.open(l); err != nil {
		p.resume(in)
		return err
	}
	for _, o := range in {
		p.log.Infof("listener %s: closed %s early so that %s can bind the same port", o.Binding().Listener, o.Binding().AddrPort(), l.Binding().AddrPort())
	}
	s.suspended = append(s.suspended, in...)
	return nil
}

// overlapping lists the open listeners no binding in want keeps that hold
// b's port on the same transport and family with an address overlapping
// b's: the same one, or either of them the wildcard.
func (p *Pool) overlapping(b ports.Binding, want map[string]bool) []*Listener {
	var out []*Listener
	for key, o := range p.listeners {
		ob := o.Binding()
		if want[key] || o.suspended || ob.Network != b.Network || ob.Port != b.Port || b.Port == 0 {
			continue
		}
		if ob.Address == b.Address || ob.Address.IsUnspecified() || b.Address.IsUnspecified() {
			out = append(out, o)
		}
	}
	return out
}

// suspend closes the socket (and tells the upgrader) and waits for its
// loop to end; the listener stays in the pool.
func (l *Listener) suspend() {
	l.closeSocket()
	<-l.done
	l.suspended = true
}

// resume reopens the sockets of suspended listeners still in the pool and
// serves them again. One whose address cannot be had back any more
// (something else took it meanwhile) is logged and leaves the pool.
func (p *Pool) resume(ls []*Listener) {
	for _, l := range ls {
		key := l.Binding().Key()
		if p.listeners[key] != l || !l.suspended {
			continue
		}
		if err := p.open(l); err != nil {
			p.log.Errorf("listener %s could not get %s back after a failed reload: %v", l.Binding().Listener, l.Binding().AddrPort(), err)
			l.stopHTTP()
			l.stopLoops()
			delete(p.listeners, key)
			continue
		}
		l.suspended = false
		l.done = make(chan struct{})
		l.start()
	}
}
