package listen

import (
	"fmt"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

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
				set("reuse_port", syscall.SOL_SOCKET, unix.SO_REUSEPORT, 1)
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

// SetOption sets a socket option by its LuaSocket name.
func (c *Conn) SetOption(name string, value any) error {
	tc, ok := c.nc.(*net.TCPConn)
	if !ok {
		return fmt.Errorf("option %s needs a TCP connection", name)
	}
	on, _ := value.(bool)
	switch name {
	case "tcp-nodelay":
		return tc.SetNoDelay(on)
	case "keepalive":
		return tc.SetKeepAlive(on)
	case "linger":
		secs, _ := value.(float64)
		if value == false {
			secs = -1
		}
		return tc.SetLinger(int(secs))
	}
	return fmt.Errorf("unknown socket option %q (known: tcp-nodelay, keepalive, linger)", name)
}
