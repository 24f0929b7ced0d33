package listen

import (
	"errors"
	"net"
	"os"
	"time"
)

// Write queues data to send. It never blocks; a queue that grows past
// max_send_buffer_size finishes the connection with ErrSendBufferFull.
func (c *Conn) Write(data []byte) error {
	c.mu.Lock()
	if c.closing || c.finished || c.wantShut || c.handOff != nil { // handOff: net/http has the socket
		c.mu.Unlock()
		return net.ErrClosed
	}
	if c.queued+len(data) > c.settings.MaxSendBuffer {
		c.mu.Unlock()
		c.finish(ErrSendBufferFull)
		return ErrSendBufferFull
	}
	c.queue = append(c.queue, data)
	c.queued += len(data)
	spawn := c.takeWriterLocked()
	c.mu.Unlock()
	if spawn {
		go c.writeOut()
	}
	return nil
}

// takeWriterLocked claims the job of writing the queue out when nobody
// has it and the reader is not about to flush.
func (c *Conn) takeWriterLocked() bool {
	if c.writing || c.delivering || c.nc == nil || c.finished || c.queued == 0 {
		return false
	}
	c.writing = true
	return true
}

// Queued is the number of bytes waiting to be sent.
func (c *Conn) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queued
}

// writeOut writes the queue until it is empty; the caller has claimed the
// writer's job. It finishes a closing connection once all is sent.
func (c *Conn) writeOut() { c.writeQueue(true) }

// writeQueue is writeOut; with wait false (a Loop, which must not wait
// for a peer) it writes only what the socket takes at once and leaves the
// rest to a writer goroutine, which waits as writeOut does.
func (c *Conn) writeQueue(wait bool) {
	for {
		c.mu.Lock()
		if c.finished {
			c.writing = false
			c.mu.Unlock()
			return
		}
		if c.queued == 0 {
			c.writing = false
			closing, err := c.closing, c.closeErr
			shut := !closing && c.takeShutLocked()
			c.mu.Unlock()
			if closing {
				c.finish(err)
			} else if shut {
				c.shutWrite()
			}
			return
		}
		batch := c.queue
		c.queue, c.spare = c.spare[:0], nil
		c.queued = 0
		c.mu.Unlock()
		var err error
		if wait {
			err = c.send(batch)
		} else if rest, e := c.sendNow(batch); e != nil {
			err = e
		} else if len(rest) > 0 {
			c.requeue(rest)
			go c.writeOut()
			return
		}
		clear(batch)
		c.mu.Lock()
		if c.spare == nil && !c.finished {
			c.spare = batch[:0]
		}
		empty := c.queued == 0
		c.mu.Unlock()
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				err = ErrSendTimeout
			}
			c.finish(err)
			return
		}
		if empty && c.wantDrain.Load() {
			c.handler().Drained(c)
		}
	}
}

// send writes a batch. A single buffer is first tried without waiting
// (the usual case: the socket has room), which needs no deadline; what is
// left is written with send_timeout as the deadline.
func (c *Conn) send(batch [][]byte) error {
	if w := c.rawW; w != nil && len(batch) == 1 {
		n, err := w.writeNow(batch[0])
		c.bytesOut.Add(int64(n))
		if err != nil || n == len(batch[0]) {
			return err
		}
		batch[0] = batch[0][n:]
	}
	if c.settings.SendTimeout > 0 {
		_ = c.nc.SetWriteDeadline(time.Now().Add(c.settings.SendTimeout))
	}
	var n int64
	var err error
	if len(batch) == 1 {
		var k int
		k, err = c.nc.Write(batch[0])
		n = int64(k)
	} else {
		c.wbufs = batch
		n, err = c.wbufs.WriteTo(c.nc)
	}
	c.bytesOut.Add(n)
	if c.settings.SendTimeout > 0 {
		// The raw writes above check the deadline too: left armed, it
		// would fail the first one after send_timeout, however idle.
		_ = c.nc.SetWriteDeadline(time.Time{})
	}
	return err
}

// sendNow writes batch as far as the socket takes it without waiting and
// returns what is left (nothing when all went). Only a TCP connection's
// writer (rawW) is used; without one everything is left.
func (c *Conn) sendNow(batch [][]byte) ([][]byte, error) {
	w := c.rawW
	if w == nil {
		return batch, nil
	}
	for len(batch) > 0 {
		var n int
		var err error
		want := 0
		if len(batch) == 1 {
			want = len(batch[0])
			n, err = w.writeNow(batch[0])
		} else {
			part := batch[:min(len(batch), maxIOV)]
			for _, b := range part {
				want += len(b)
			}
			n, err = w.writevNow(part)
		}
		c.bytesOut.Add(int64(n))
		if err != nil {
			return nil, err
		}
		full := n < want
		for n > 0 {
			if n < len(batch[0]) {
				batch[0] = batch[0][n:]
				break
			}
			n -= len(batch[0])
			batch = batch[1:]
		}
		if full {
			return batch, nil
		}
	}
	return nil, nil
}

// requeue puts rest, left from a batch, back in front of the queue for a
// writer goroutine.
func (c *Conn) requeue(rest [][]byte) {
	n := 0
	for _, b := range rest {
		n += len(b)
	}
	c.mu.Lock()
	q := make([][]byte, 0, len(rest)+len(c.queue))
	c.queue = append(append(q, rest...), c.queue...)
	c.queued += n
	c.mu.Unlock()
}
