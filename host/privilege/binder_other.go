//go:build !linux

package privilege

import "errors"

// serve refuses: keeping CAP_NET_BIND_SERVICE on one thread across the
// identity change is Linux's, and without it a reload could no longer
// bind the ports below 1024 the config asks for.
func (b *Binder) serve(_ Identity, ready chan<- error) {
	ready <- errors.New("dropping root to prosody_user keeps CAP_NET_BIND_SERVICE, which only Linux has: start moonport as the service user instead")
}
