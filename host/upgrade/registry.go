package upgrade

import (
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// Listen gives the TCP listener for network and addr: the one inherited
// from the old process for that address, else a new one from open. It
// registers the listener, so that the next upgrade hands it over, and
// returns release, which the caller must call once it closed the listener
// so that it is no longer handed over. open's error is returned as is.
// open runs with the registry locked, so that an upgrade never sees half
// a bind: it must not call back into u. Listen implements host/listen's
// Sockets.
func (u *Upgrader) Listen(network, addr string, open func() (net.Listener, error)) (net.Listener, func(), error) {
	return register(u, network, addr, net.FileListener, open, net.Listener.Addr)
}

// ListenPacket is Listen for a UDP socket.
func (u *Upgrader) ListenPacket(network, addr string, open func() (net.PacketConn, error)) (net.PacketConn, func(), error) {
	return register(u, network, addr, net.FilePacketConn, open, net.PacketConn.LocalAddr)
}

// register is Listen and ListenPacket: fromFile adopts an inherited
// socket, local tells the bound address.
func register[S io.Closer](u *Upgrader, network, addr string, fromFile func(*os.File) (S, error), open func() (S, error), local func(S) net.Addr) (S, func(), error) {
	var zero S
	u.mu.Lock()
	defer u.mu.Unlock()
	k := key(network, addr)
	var (
		s   S
		err error
	)
	if f := u.inherited[k]; f != nil {
		delete(u.inherited, k)
		// fromFile works on its own copy of the descriptor; the
		// inherited one goes, so no second copy stays open.
		s, err = fromFile(f)
		f.Close()
		if err != nil {
			return zero, nil, fmt.Errorf("the socket %s the old process handed over: %w", k, err)
		}
	} else if s, err = open(); err != nil {
		return zero, nil, err
	}
	sock, ok := any(s).(syscall.Conn)
	if !ok {
		s.Close()
		return zero, nil, fmt.Errorf("%s: a %T cannot be handed to a new process on an upgrade", k, s)
	}
	if strings.HasSuffix(addr, ":0") {
		// Every socket of port 0 would have the same key; register it
		// by the port it got.
		k = key(network, local(s).String())
	}
	e := &entry{sock: sock}
	u.active[k] = e
	release := func() {
		u.mu.Lock()
		defer u.mu.Unlock()
		if u.active[k] == e {
			delete(u.active, k)
		}
	}
	return s, release, nil
}
