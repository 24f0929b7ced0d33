package listen

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"
)

// ErrNoTLS is returned by StartTLS on a listener without a certificate.
var ErrNoTLS = errors.New("no TLS certificate is configured for this listener")

// TLSAvailable reports whether StartTLS can succeed.
func (c *Conn) TLSAvailable() bool { return c.tlsConfig != nil && !c.secure.Load() }

// Secure reports whether the connection speaks TLS.
func (c *Conn) Secure() bool { return c.secure.Load() }

// TLSState describes the TLS session; ok is false on a plain connection.
func (c *Conn) TLSState() (tls.ConnectionState, bool) {
	c.mu.Lock()
	tc, ok := c.nc.(*tls.Conn)
	c.mu.Unlock()
	if !ok {
		return tls.ConnectionState{}, false
	}
	return tc.ConnectionState(), true
}

// StartTLS asks for a TLS handshake once the current callback returns and
// what it queued is sent (the STARTTLS reply). Anything the peer sent
// after the command is dropped, so nothing plaintext can be smuggled into
// the secure session. It must be called from a callback of this
// connection's incoming data.
func (c *Conn) StartTLS() error {
	if c.secure.Load() {
		return errors.New("the connection is already secure")
	}
	if c.tlsConfig == nil {
		return ErrNoTLS
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.delivering {
		return errors.New("starttls must be called from the connection's onincoming")
	}
	c.upgrade = true
	return nil
}

// StartTLSReplay is StartTLS for a peer that already sent its TLS
// ClientHello (a multiplexer detected it): the handshake reads hello first.
func (c *Conn) StartTLSReplay(hello []byte) error {
	if err := c.StartTLS(); err != nil {
		return err
	}
	c.mu.Lock()
	c.tlsReplay = append([]byte(nil), hello...)
	c.mu.Unlock()
	return nil
}

// handshake runs a server TLS handshake on the socket within
// ssl_handshake_timeout and makes the connection use it.
func (c *Conn) handshake() error {
	c.mu.Lock()
	raw := c.nc
	if len(c.tlsReplay) > 0 {
		raw = &prefixConn{Conn: raw, rest: c.tlsReplay}
		c.tlsReplay = nil
	}
	c.mu.Unlock()
	tc := tls.Server(raw, c.tlsConfig)
	if t := c.settings.HandshakeTimeout; t > 0 {
		_ = raw.SetDeadline(time.Now().Add(t))
	}
	err := tc.Handshake()
	_ = raw.SetDeadline(time.Time{})
	if st := c.Stats; st != nil {
		if err != nil {
			st.TLSFailures.Add(1)
		} else {
			st.TLSHandshakes.Add(1)
		}
	}
	if err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	c.mu.Lock()
	c.nc = tc
	c.rawW = nil
	c.mu.Unlock()
	c.secure.Store(true)
	return nil
}

// upgradeNow runs a StartTLS handshake from the reader, once no other
// goroutine is writing.
func (c *Conn) upgradeNow() error {
	for {
		c.mu.Lock()
		if c.finished {
			c.mu.Unlock()
			return net.ErrClosed
		}
		if !c.writing {
			c.writing = true // hold other writers off during the handshake
			c.upgrade = false
			c.mu.Unlock()
			break
		}
		c.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	err := c.handshake()
	c.mu.Lock()
	c.writing = false
	flush := err == nil && c.takeWriterLocked()
	c.mu.Unlock()
	if err != nil {
		return err
	}
	c.handler().Secured(c, true)
	if flush {
		c.writeOut()
	}
	return nil
}

// wantsUpgrade reports whether the callback just run asked for StartTLS.
func (c *Conn) wantsUpgrade() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.upgrade
}
