//go:build !linux

package listen

import (
	"net"
	"sync"
)

// Without raw socket I/O (rawio_linux.go) connections read and write
// through net.Conn: a reader holds its buffer while it waits, and every
// write has send_timeout as its deadline.

// rawWriter is not available here; newRawWriter always returns nil.
type rawWriter struct{}

func newRawWriter(net.Conn) *rawWriter { return nil }

// writeNow is never called: there is no rawWriter.
func (*rawWriter) writeNow([]byte) (int, error) { return 0, nil }

// rawReader is not available here; newRawReader always returns nil.
type rawReader struct{}

func newRawReader(net.Conn, *sync.Pool) *rawReader { return nil }

// read is never called: there is no rawReader.
func (*rawReader) read() ([]byte, *[]byte, error) { return nil, nil, nil }

// maxIOV bounds the buffers of one writevNow call.
const maxIOV = 1024

// writevNow is never called: there is no rawWriter.
func (*rawWriter) writevNow([][]byte) (int, error) { return 0, nil }
