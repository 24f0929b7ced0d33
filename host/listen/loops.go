package listen

// A listener's event loops (Engine "loop"): one per copy of its module, so
// that the callbacks of one copy run on one goroutine. The listener owns
// them and stops them when it closes for good; its connections carry on
// with reader goroutines of their own, as connections always outlive
// their listening socket.

// SlotSource is a Source that also says which copy of the module it picked
// (0, 1, …): the connections of copy i share the listener's loop i.
type SlotSource interface {
	Source
	PickSlot() (Handler, int)
}

func pick(src Source) (Handler, int) {
	if s, ok := src.(SlotSource); ok {
		return s.PickSlot()
	}
	return src.Pick(), 0
}

// loopFor returns the loop of handler slot i, starting it on first use;
// nil (the connection gets a reader goroutine) if it cannot be had.
func (l *Listener) loopFor(i int) *Loop {
	l.loopMu.Lock()
	defer l.loopMu.Unlock()
	if i < 0 {
		i = 0
	}
	for len(l.loops) <= i {
		l.loops = append(l.loops, nil)
	}
	if l.loops[i] == nil {
		lp, err := newLoop()
		if err != nil {
			l.srv.log.WithError(err).Warn("no event loop; connections get reader goroutines")
			return nil
		}
		l.loops[i] = lp
	}
	return l.loops[i]
}

// stopLoops stops the listener's loops; their connections go on with
// reader goroutines. It does not wait for them (see Loop.stop).
func (l *Listener) stopLoops() {
	l.loopMu.Lock()
	defer l.loopMu.Unlock()
	for _, lp := range l.loops {
		if lp != nil {
			lp.stop()
		}
	}
	l.loops = nil
}

// Loops lists the listener's running loops (tests look at them).
func (l *Listener) Loops() []*Loop {
	l.loopMu.Lock()
	defer l.loopMu.Unlock()
	out := make([]*Loop, 0, len(l.loops))
	for _, lp := range l.loops {
		if lp != nil {
			out = append(out, lp)
		}
	}
	return out
}
