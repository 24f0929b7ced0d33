package main

import (
	"net"

	"github.com/cloudflare/tableflip"
)

// upgrader hands listening sockets to a new moonport binary (SIGUSR2 or
// the console's server:upgrade()). main sets it; in-process callers of
// run (the tests) have none.
var upgrader *tableflip.Upgrader

// upgradeSockets lets the pool take inherited sockets from the upgrader
// and register new ones with it, so the next binary gets them all.
type upgradeSockets struct{ u *tableflip.Upgrader }

func (s upgradeSockets) Listen(network, addr string, open func() (net.Listener, error)) (net.Listener, error) {
	return s.u.ListenWithCallback(network, addr, func(string, string) (net.Listener, error) { return open() })
}

func (s upgradeSockets) ListenPacket(network, addr string, open func() (net.PacketConn, error)) (net.PacketConn, error) {
	return s.u.ListenPacketWithCallback(network, addr, func(string, string) (net.PacketConn, error) { return open() })
}
