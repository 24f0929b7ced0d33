package core

import (
	"fmt"
	"net/netip"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/ports"
)

// consoleService is the service mod_admin_telnet provides.
const consoleService = "console"

// loopbackHint is what to write to keep the console on this machine.
const loopbackHint = `or keep the console on loopback: console_interfaces = { "127.0.0.1", "::1" }`

// consoleRemoteProblem says why the console must not serve clients on
// other machines under this config ("" when it may): they must give a
// real password. console_auth = false turns every secret off, whatever
// else is set, and the cookie file only proves a client can read files
// on this machine.
func consoleRemoteProblem(snap *config.Snapshot) (string, config.Location) {
	if o, ok := snap.Get("*", "console_auth"); ok && o.Value == false {
		return "console_auth = false turns its password off, so anyone who reaches it could run commands; remove console_auth = false and set console_password = \"…\", " + loopbackHint, o.Location
	}
	if snap.Options.ConsolePassword == "" {
		return "console_password is not set (the console cookie only protects a console on loopback); set console_password = \"…\", " + loopbackHint, config.Location{File: snap.Path}
	}
	return "", config.Location{}
}

// guardConsole keeps the console off addresses other machines reach when
// it would take their commands without a password: those bindings leave
// the plan as problems, so the console stays closed there (the rest
// serve), `check config` reports them, and a reload that would open one
// is refused.
func (g *generation) guardConsole() {
	why, loc := consoleRemoteProblem(g.snap)
	if why == "" {
		return
	}
	kept := g.plan.Bindings[:0]
	for _, b := range g.plan.Bindings {
		if b.Service != consoleService || !b.Public() {
			kept = append(kept, b)
			continue
		}
		g.plan.Problems = append(g.plan.Problems, ports.Problem{Location: loc,
			Message: fmt.Sprintf("console on %s (listener %s) is reachable from other machines and stays closed: %s", b.AddrPort(), b.Listener, why)})
	}
	g.plan.Bindings = kept
}

// consoleAdmits says whether a console session from peer may start: a
// client on another machine (the console reached by some other way than
// its own planned sockets, say a diverted connection) meets the same rule
// as a public binding.
func consoleAdmits(snap *config.Snapshot, peer string) error {
	a, err := netip.ParseAddr(peer)
	if err == nil && a.Unmap().IsLoopback() {
		return nil
	}
	if why, _ := consoleRemoteProblem(snap); why != "" {
		return fmt.Errorf("refused to %s: %s", peer, why)
	}
	return nil
}
