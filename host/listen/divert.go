package listen

// Divert hands the connection to h as a service of its own: h hears
// Connected, and Secured on a TLS connection, as if it had accepted the
// connection itself (how a multiplexer routes). Unlike SetHandler, which
// carries the event stream over to a reloaded module, the announcements
// the previous handler had not yet been given are not for h: it has just
// had its own. Diverts lets a handler that queues events tell them apart.
func (c *Conn) Divert(h Handler) {
	c.mu.Lock()
	c.diverts++
	c.announced = true
	c.mu.Unlock()
	c.SetHandler(h)
	h.Connected(c)
	if c.Secure() {
		h.Secured(c, false)
	}
}

// Diverts counts how often Divert handed the connection on. A handler that
// delivers Connected or Secured later than it is called compares the count
// from the call with the one at delivery: if the connection was diverted in
// between, the event belongs to a handler that no longer has it and the
// new one was announced by Divert, so the event must not be passed on.
func (c *Conn) Diverts() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.diverts
}
