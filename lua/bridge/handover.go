package bridge

import (
	"github.com/moonport/moonport/host/listen"
)

// A reload hands a replaced module's work to its new instance in two
// ways, and both must see one consistent picture of the old instance:
//
//   - module.save() is the old instance's last word. Stage takes the old
//     state for it and keeps holding it until the reload commits or
//     aborts, so no callback, timer or task runs there between save and
//     the switch: a line that arrives meanwhile waits, then goes to the
//     new instance (the connection has moved) instead of changing a state
//     that was already saved. On Commit the old instance is unloaded
//     before anything else runs in it; on Abort it goes on as if nothing
//     happened.
//   - Work that was under way at save (a task waiting for the host, this
//     very reload included) finishes in the old instance afterwards. What
//     it leaves for the connection's new owner travels with
//     admin.handover(conn, state) (deliverHandover): it reaches whichever
//     instance serves the connection when it runs, however many reloads
//     happened meanwhile.
//
// And a connection accepted while the reload switches (a kept socket
// hands out the old handler until host/core switches it after Commit)
// goes to the new instance too (successor).

// hold takes old's state for good (until Commit or Abort) and returns
// what its module.save() gave. An instance that has stopped (the runtime
// is stopping) saves nothing.
func (t *Stage) hold(old *Instance) any {
	if !old.enter() {
		return nil
	}
	t.held[old] = true
	old.frozen.Store(true) // events pass it by from now on
	saved := old.save()
	t.rt.shared.release(old, true) // for the new instance (shared.go)
	return saved
}

// releaseHeld gives the held states back: the stage was aborted, the old
// instances go on.
func (t *Stage) releaseHeld() {
	for old := range t.held {
		t.rt.shared.reclaim(old)
		old.frozen.Store(false)
		old.release()
	}
	t.held = map[*Instance]bool{}
}

// retire unloads an instance (module.unload, timers stopped) but keeps
// its state for the connections still on it; the last one to go stops it.
// held says the caller holds inst's state since its module.save: it is
// unloaded before the state is given up, so nothing queued meanwhile runs
// before the unload.
func (rt *Runtime) retire(inst *Instance, held bool) {
	rt.mu.Lock()
	rt.retired[inst] = true
	rt.mu.Unlock()
	for _, c := range append([]*Instance{inst}, inst.copies...) {
		if c == inst && held {
			c.unloadRetired()
			c.release()
			continue
		}
		c.call(c.unloadRetired)
	}
	rt.stopRetired(inst)
}

// unloadRetired runs module.unload and marks the instance retired; the
// caller holds the state.
func (inst *Instance) unloadRetired() {
	inst.unloadHook()
	inst.retired = true
}

// deliverHandover calls listener.onhandover(conn, state) in the instance
// that serves c when the call runs, with state copied into it: queued
// behind the events before it, and passed on if a reload moves c
// meanwhile. A connection that instance no longer knows (closed since)
// gets nothing.
func deliverHandover(h listen.Handler, c *listen.Conn, state any) {
	ch, ok := h.(*connHandler)
	if !ok {
		return
	}
	ch.async(c, func() {
		lc, ok := ch.inst.conns[c]
		if !ok {
			return
		}
		lc.on("onhandover", ch.inst.toLua(state))
	}, func(next listen.Handler) { deliverHandover(next, c, state) })
}

// successor is where a connection accepted for an instance that a reload
// has replaced or removed goes instead: the service's handler now. A
// socket the reload keeps hands out the old handler until the reload
// switches it (after Commit), and the old instance may have stopped by
// then; its onconnect would be lost, and every event after it. Nil keeps
// h: its instance is still the module's, or nothing serves the service.
func (h *connHandler) successor(c *listen.Conn) *connHandler {
	if c.Service == "" {
		return nil
	}
	rt, primary := h.inst.rt, h.inst
	if primary.copyOf != nil {
		primary = primary.copyOf
	}
	rt.mu.Lock()
	current := rt.loaded[moduleRef{name: primary.Name, host: primary.Host}.key()] == primary
	rt.mu.Unlock()
	if current {
		return nil
	}
	svc := rt.Service(c.Service)
	if svc == nil {
		return nil
	}
	if nh, ok := svc.Pick().(*connHandler); ok && nh.inst != h.inst {
		return nh
	}
	return nil
}
