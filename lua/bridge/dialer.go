package bridge

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/moonport/moonport/host/listen"
)

// Every outgoing connection a module opens (net.server's addclient, and
// net.connect on it; net.http's requests) dials through its Runtime's
// dialer, so one place decides whether modules may reach the network. A
// check's sandbox (Options.Sandbox: moonport check, moonport ports) has
// the dialer that refuses: no connection is opened and no name looked up
// (Go's dialer resolves names, and it is never called). The Lua calls
// ask the dialer first (outgoing) so that a refusal is the call's own
// nil, err, as Prosody's calls answer a connection they cannot start,
// and a line in the check's output.

// errNoOutgoing is what a refused connection fails with.
var errNoOutgoing = errors.New("moonport check: no outgoing connections while checking")

// A dialer opens outgoing connections, or refuses them all.
type dialer struct {
	refuse error // not nil: every dial fails with it, without touching the network
	// http are net.http's clients, dialling through this dialer: the
	// verifying one and the one for requests with insecure = true.
	http [2]*http.Client
}

var (
	// netDialer is a serving Runtime's: connections are opened.
	netDialer = newDialer(nil)
	// sandboxDialer is a check's: connections are refused.
	sandboxDialer = newDialer(errNoOutgoing)
)

// newDialer makes a dialer that refuses with refuse (nil: opens) and
// its HTTP clients. Neither follows redirects nor uses a proxy: as
// Prosody's, the callback gets the 3xx response itself.
func newDialer(refuse error) *dialer {
	d := &dialer{refuse: refuse}
	for i := range d.http {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: i == 1}
		tr.DialContext = d.dial(net.Dialer{Timeout: 60 * time.Second, KeepAlive: 30 * time.Second})
		d.http[i] = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return d
}

// dial is how a connection is opened with base's timeouts: base's
// DialContext, or the refusal.
func (d *dialer) dial(base net.Dialer) listen.DialFunc {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		if d.refuse != nil {
			return nil, d.refuse
		}
		return base.DialContext(ctx, network, address)
	}
}

// outgoing is asked by a Lua call before it starts a connection to
// address (what names the call, for the log): nil when the dialer
// opens connections; else the refusal, which the module's log records
// (a check shows it among the lines the modules logged).
func (inst *Instance) outgoing(what, address string) error {
	err := inst.rt.dialer.refuse
	if err != nil {
		inst.log.Warnf("%s to %s refused: %v", what, address, err)
	}
	return err
}
