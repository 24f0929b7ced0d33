package luaconfig

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Bounds on what evaluating a config may read. A config is text written
// by hand: these leave room for any real one, while a wrong path (a log
// file, /dev/zero, a named pipe) fails at once with the reason instead of
// filling memory or hanging every later reload.
const (
	// MaxFileSize is the most a config file, an Included or RunScript
	// file, or a file read with FileContents, FileLine or FileLines may hold.
	MaxFileSize = 1 << 20
	// MaxTotalRead is the most one evaluation may read from all files.
	MaxTotalRead = 16 << 20
)

// fileKind names what a non-regular file is, for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// readRegular reads path if it is a regular file of at most limit bytes.
// It opens without blocking (a named pipe with no writer would otherwise
// block the open itself), checks what it opened, and reads at most limit+1
// bytes, so a file that grows meanwhile cannot make it read more.
func readRegular(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s; the config reads only regular files", path, fileKind(st.Mode()))
	}
	if st.Size() > limit {
		return nil, tooBig(path, st.Size(), limit)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, tooBig(path, int64(len(b)), limit)
	}
	return b, nil
}

// tooBigError is a file past the size a config may read.
type tooBigError struct {
	path        string
	size, limit int64
}

func (e *tooBigError) Error() string {
	return fmt.Sprintf("%s is %d bytes, more than the %d bytes a file read by the config may have", e.path, e.size, e.limit)
}

func tooBig(path string, size, limit int64) error { return &tooBigError{path, size, limit} }

// read reads a file for the evaluation, within MaxFileSize and what is
// left of MaxTotalRead.
func (e *evaluator) read(path string) ([]byte, error) {
	limit := int64(MaxFileSize)
	if left := int64(MaxTotalRead) - e.readBytes; left < limit {
		limit = left
	}
	b, err := readRegular(path, limit)
	var tb *tooBigError
	if errors.As(err, &tb) && limit < MaxFileSize {
		return nil, fmt.Errorf("%s: the config has already read %d bytes, and may read %d bytes in all (Include, RunScript, FileContents, FileLine, FileLines)", path, e.readBytes, MaxTotalRead)
	}
	e.readBytes += int64(len(b))
	return b, err
}
