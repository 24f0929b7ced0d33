package listen

import (
	"bytes"
	"fmt"
)

// Read framing: the reader cuts what it reads into frames by the
// connection's read mode and hands them to the handler.

// deliver frames data by the current mode and hands each frame over,
// holding while paused, then writes out what the handler queued. It
// reports false once the connection is gone.
func (c *Conn) deliver(f *framer, data []byte) bool {
	c.beginDelivery()
	res := c.handOver(f, data, true)
	c.endDelivery()
	return res != connGone
}

// deliveryResult is how handing data over ended.
type deliveryResult int

const (
	delivered deliveryResult = iota // every complete frame went to the handler
	connGone                        // the connection ended meanwhile
	mustLeave                       // paused: held frames wait for a reader goroutine
)

// loopDeliver is deliver for a Loop, which must not wait: when the
// connection is paused the frames left are kept in f for the reader
// goroutine it hands the connection to, and what the callbacks queued is
// written only as far as the socket takes it at once.
func (c *Conn) loopDeliver(f *framer, data []byte) deliveryResult {
	c.beginDelivery()
	res := c.handOver(f, data, false)
	c.mu.Lock()
	c.delivering = false
	flush := c.takeWriterLocked()
	c.mu.Unlock()
	if flush {
		c.writeQueue(false)
	}
	return res
}

// deliverTail hands over what the peer sent after its last complete frame,
// once the peer has shut down its side: in "*l" mode a last line without
// its newline is still a line. LuaSocket returns it as the partial result
// and Prosody gives it to onincoming before ondisconnect; so do we.
func (c *Conn) deliverTail(f *framer) {
	frame, ok := f.tail(c.Mode())
	if !ok {
		return
	}
	c.beginDelivery()
	if c.waitResumed() && !c.isClosing() {
		c.handler().Incoming(c, frame)
	}
	c.endDelivery()
}

// waitResumed holds while the connection is paused; it reports false if
// the connection ended meanwhile.
func (c *Conn) waitResumed() bool {
	for c.paused.Load() {
		select {
		case <-c.resume:
		case <-c.done:
			return false
		}
	}
	return true
}

// beginDelivery marks the reader as handing data over: what the handler
// queues meanwhile waits for endDelivery, which writes it out from the
// reader itself.
func (c *Conn) beginDelivery() {
	c.mu.Lock()
	c.delivering = true
	c.mu.Unlock()
}

func (c *Conn) endDelivery() {
	c.mu.Lock()
	c.delivering = false
	flush := c.takeWriterLocked()
	c.mu.Unlock()
	if flush {
		c.writeOut()
	}
}

// handOver frames data and hands the frames over; wait says whether it
// may hold while the connection is paused (a reader goroutine) or must
// return mustLeave with what is left kept in f (a Loop).
func (c *Conn) handOver(f *framer, data []byte, wait bool) deliveryResult {
	direct := f.off == len(f.buf) // no partial frame held: frame data in place
	if !direct {
		f.add(data) // complete the frame held from earlier reads
		data = nil
	}
	for {
		for c.paused.Load() {
			if direct {
				f.add(data)
				data, direct = nil, false
			}
			if !wait {
				return mustLeave
			}
			// What the callbacks queued goes out while the reading waits.
			c.endDelivery()
			select {
			case <-c.resume:
			case <-c.done:
				return connGone
			}
			c.beginDelivery()
		}
		if c.isClosing() {
			f.reset()
			if c.isFinished() {
				return connGone
			}
			return delivered
		}
		var frame []byte
		var ok bool
		if direct {
			frame, data, ok = cut(data, c.Mode())
			if !ok {
				f.add(data)
				data, direct = nil, false
				if f.pending() > c.settings.MaxReceiveBuffer {
					c.finish(ErrReceiveBufferFull)
					return connGone
				}
				continue
			}
			if len(data) == 0 {
				c.handler().Incoming(c, frame)
				if !c.replayed(f, nil) {
					return delivered
				}
				direct = false
				continue
			}
		} else {
			if frame, ok = f.next(c.Mode()); !ok {
				if f.pending() > c.settings.MaxReceiveBuffer {
					c.finish(ErrReceiveBufferFull)
					return connGone
				}
				f.release()
				return delivered
			}
		}
		c.handler().Incoming(c, frame)
		if c.wantsUpgrade() || c.detaching() {
			return delivered // what follows STARTTLS is dropped; a detached socket is read elsewhere
		}
		if c.replayed(f, data) {
			data, direct = nil, false
		}
	}
}

func (c *Conn) detaching() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.detach != nil
}

// replayed puts bytes a callback asked to redeliver in front of what is
// left (rest, or the framer's own), and reports whether it did.
func (c *Conn) replayed(f *framer, rest []byte) bool {
	if c.detaching() {
		return false
	}
	r := c.takeReplay()
	if r == nil {
		return false
	}
	left := append([]byte(nil), f.buf[f.off:]...)
	f.reset()
	f.add(r)
	f.add(rest)
	f.add(left)
	return true
}

// ModeKind says how incoming data is cut into frames.
type ModeKind int

const (
	Chunks ModeKind = iota // "*a": whatever arrived, up to N bytes
	Lines                  // "*l": one line at a time, without its end
	Bytes                  // a number: up to N bytes at a time
)

// Mode is a Prosody read mode.
type Mode struct {
	Kind ModeKind
	N    int
}

// ChunkMode delivers data as it arrives, in pieces of at most n bytes.
func ChunkMode(n int) Mode { return Mode{Kind: Chunks, N: n} }

// ParseMode reads a Prosody read mode: "*a", "*l" or a byte count.
func ParseMode(v any, readSize int) (Mode, error) {
	switch x := v.(type) {
	case nil:
		return ChunkMode(readSize), nil
	case string:
		switch x {
		case "*a", "a":
			return ChunkMode(readSize), nil
		case "*l", "l":
			return Mode{Kind: Lines, N: readSize}, nil
		}
	case float64:
		if x >= 1 && x == float64(int(x)) {
			return Mode{Kind: Bytes, N: int(x)}, nil
		}
	}
	return Mode{}, fmt.Errorf("read mode %v: expected \"*a\", \"*l\" or a number of bytes", v)
}

// framer holds bytes of a frame not yet complete; frames before off have
// been handed over.
type framer struct {
	buf []byte
	off int
}

func (f *framer) reset() { f.buf, f.off = f.buf[:0], 0 }

// add appends newly read data, first dropping what was handed over.
func (f *framer) add(data []byte) {
	if f.off > 0 {
		n := copy(f.buf, f.buf[f.off:])
		f.buf, f.off = f.buf[:n], 0
	}
	f.buf = append(f.buf, data...)
}

// release drops a large buffer once it is empty, so an idle connection
// does not keep the memory of its biggest message.
func (f *framer) release() {
	if f.off == len(f.buf) {
		f.reset()
		if cap(f.buf) > 4096 {
			f.buf = nil
		}
	}
}

// next cuts one frame off the held bytes, or reports that none is
// complete; the connection bounds what may wait (max_receive_buffer_size).
func (f *framer) next(m Mode) ([]byte, bool) {
	pending := f.buf[f.off:]
	if len(pending) == 0 {
		return nil, false
	}
	frame, rest, ok := cut(pending, m)
	if !ok {
		return nil, false
	}
	f.off = len(f.buf) - len(rest)
	return frame, true
}

// tail gives up the held bytes as a last frame, for when no more data
// can complete it (the peer shut down its side): a final line without its
// end, CRs dropped. It reports false when nothing is held.
func (f *framer) tail(m Mode) ([]byte, bool) {
	pending := f.buf[f.off:]
	if len(pending) == 0 {
		return nil, false
	}
	f.off = len(f.buf)
	if m.Kind == Lines {
		return dropCRs(pending), true
	}
	return pending, true
}

// pending is how many bytes wait for their frame to complete.
func (f *framer) pending() int { return len(f.buf) - f.off }

// cut takes one frame off the front of data without copying. It reports
// false when data holds no complete frame (the caller keeps it).
func cut(data []byte, m Mode) (frame, rest []byte, ok bool) {
	switch m.Kind {
	case Lines:
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return nil, data, false
		}
		return dropCRs(data[:i]), data[i+1:], true
	default:
		take := len(data)
		if m.N > 0 && take > m.N {
			take = m.N
		}
		return data[:take], data[take:], true
	}
}

// dropCRs removes every CR from a line, as LuaSocket's "*l" does (not just
// a final one). The bytes are ours and consumed, so it squeezes in place.
func dropCRs(line []byte) []byte {
	j := bytes.IndexByte(line, '\r')
	if j < 0 {
		return line
	}
	w := j
	for _, ch := range line[j+1:] {
		if ch != '\r' {
			line[w] = ch
			w++
		}
	}
	return line[:w]
}
