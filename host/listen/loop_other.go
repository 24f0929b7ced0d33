//go:build !linux

package listen

import "errors"

// Without epoll there is no event loop: every connection has a reader
// goroutine (EngineLoop resolves to EngineGoroutines).

const loopAvailable = false

// Loop is not available here; newLoop always fails.
type Loop struct{}

func newLoop() (*Loop, error) { return nil, errors.New("no event loop on this system") }

// Done is never called: there is no Loop.
func (*Loop) Done() <-chan struct{} { return nil }

func (*Loop) stop()                       {}
func (*Loop) join(*Conn, *readState) bool { return false }
func (*Loop) forget(*Conn)                {}
