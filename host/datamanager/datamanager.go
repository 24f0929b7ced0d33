// Package datamanager owns Prosody's data folder as Prosody 0.12's
// util.datamanager lays it out, so moonport and Prosody read and write
// the same files: <data>/<host>/<store>/<user>.dat (a keyval value) or
// .list (a list of items), <data>/<host>/<store>.dat for the host's own
// data, host and user names %-encoded (all but ASCII letters and
// digits; store names keep '_' too). The encoding leaves no '/' or '.'
// in a name, so no host, store or user name reaches outside the folder.
// Files are written beside their place and renamed over it after an
// fsync (files 0640, folders 0750); reading parses the data (format.go)
// and runs nothing. It links no Lua: values are host/value's plain data.
package datamanager

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/moonport/moonport/host/value"
)

// Manager is one data folder. Its methods may be called concurrently;
// writes of the same file race as in Prosody (the last rename wins).
type Manager struct {
	Dir string // Prosody's data_path
}

// Encode is Prosody's encoding of a host or user name in a path.
func Encode(s string) string { return encode(s, false) }

// StoreEncode is the encoding of a store name: as Encode, '_' kept.
func StoreEncode(s string) string { return encode(s, true) }

func encode(s string, keepUnderscore bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || keepUnderscore && c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

// Decode undoes Encode and StoreEncode: each %xx is its byte.
func Decode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// hostDir is the folder of host; "" is Prosody's nil host, "_global".
func (m *Manager) hostDir(host string) string {
	if host == "" {
		return filepath.Join(m.Dir, "_global")
	}
	return filepath.Join(m.Dir, Encode(host))
}

// Path is the file of user's store on host with extension ext ("dat"
// when ""); user "" is the host's own file (Prosody's nil user).
func (m *Manager) Path(user, host, store, ext string) string {
	if ext == "" {
		ext = "dat"
	}
	if user == "" {
		return filepath.Join(m.hostDir(host), StoreEncode(store)+"."+ext)
	}
	return filepath.Join(m.hostDir(host), StoreEncode(store), Encode(user)+"."+ext)
}

// MakePath is Path with the folders made.
func (m *Manager) MakePath(user, host, store, ext string) (string, error) {
	p := m.Path(user, host, store, ext)
	return p, os.MkdirAll(filepath.Dir(p), 0o750)
}

// readFile is path's content, nil without error when there is none.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err == nil && len(buf) > MaxFileSize {
		err = fmt.Errorf("%s: larger than %d bytes", path, MaxFileSize)
	}
	if buf == nil {
		buf = []byte{}
	}
	return buf, err
}

// Load is the value of user's store on host, nil when there is none.
func (m *Manager) Load(user, host, store string) (any, error) {
	src, err := readFile(m.Path(user, host, store, "dat"))
	if err != nil || src == nil {
		return nil, err
	}
	v, err := ParseData(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Path(user, host, store, "dat"), err)
	}
	return v, nil
}

// Store replaces the value of user's store on host; nil or an empty
// table removes the file, as in Prosody.
func (m *Manager) Store(user, host, store string, v any) error {
	if isEmpty(v) {
		return removeFile(m.Path(user, host, store, "dat"))
	}
	data, err := DataFile(v)
	if err != nil {
		return err
	}
	path, err := m.MakePath(user, host, store, "dat")
	if err != nil {
		return err
	}
	return WriteAtomic(path, []byte(data))
}

func isEmpty(v any) bool {
	t, ok := v.(*value.Table)
	return v == nil || ok && len(t.Array) == 0 && len(t.Hash) == 0
}

// removeFile removes path; one that is not there is no error.
func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// WriteAtomic writes data to path: to a file beside it, synced, then
// renamed over it (and the folder synced), so a reader sees the old
// content or the new, whole, and a crash leaves one of them.
func WriteAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*~")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o640)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync() // the rename itself on disk; best effort, as not every file system can
		d.Close()
	}
	return nil
}
