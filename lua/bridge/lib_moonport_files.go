package bridge

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("moonport.files", funcsLibrary(filesFuncs)) }

// filesFuncs is require "moonport.files": file access confined to a
// folder, for modules that serve files to the network (mod_static_files,
// mod_tftp). Paths are resolved with os.Root (openat beneath the folder):
// a "..", an absolute path or a symlink anywhere on the way that leads out
// of the folder is refused however it is spelled, and nothing can swap a
// component between a check and the open. Symlinks that stay inside are
// followed. Each call returns its result, or nil, a message and a kind:
// "not_found", "denied" (outside the folder, or the system refused),
// "not_a_file" (a folder, device, FIFO, or a symlink where a file is to be
// replaced) or "failed".
var filesFuncs = map[string]lua.LGFunction{
	"read":  filesRead,
	"stat":  filesStat,
	"write": filesWrite,
}

// filesRead is files.read(dir, path): the file's contents.
func filesRead(L *lua.LState) int {
	data, err := readBeneath(L.CheckString(1), L.CheckString(2))
	if err != nil {
		return pushFileError(L, err)
	}
	L.Push(lua.LString(data))
	return 1
}

// filesStat is files.stat(dir, path): { type = …, size = … }, a final
// symlink not followed.
func filesStat(L *lua.LState) int {
	st, err := statBeneath(L.CheckString(1), L.CheckString(2))
	if err != nil {
		return pushFileError(L, err)
	}
	t := L.NewTable()
	t.RawSetString("type", lua.LString(fileType(st.Mode())))
	t.RawSetString("size", lua.LNumber(st.Size()))
	L.Push(t)
	return 1
}

// filesWrite is files.write(dir, path, data): true once replaced.
func filesWrite(L *lua.LState) int {
	if err := writeBeneath(L.CheckString(1), L.CheckString(2), []byte(L.CheckString(3))); err != nil {
		return pushFileError(L, err)
	}
	L.Push(lua.LTrue)
	return 1
}

// fileError is a failure with the kind a module branches on.
type fileError struct {
	kind string
	err  error
}

func (e *fileError) Error() string { return e.err.Error() }
func (e *fileError) Unwrap() error { return e.err }

// classify names the kind of a failure from os.Root.
func classify(err error) error {
	var fe *fileError
	var pe *fs.PathError
	switch {
	case errors.As(err, &fe):
		return err
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return &fileError{"not_found", err}
	case errors.Is(err, syscall.EISDIR):
		return &fileError{"not_a_file", err}
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.ELOOP), errors.Is(err, syscall.EINVAL):
		return &fileError{"denied", err}
	case errors.As(err, &pe) && pe.Err.Error() == errEscapes:
		return &fileError{"denied", err}
	}
	return &fileError{"failed", err}
}

// errEscapes is os.Root's message for a path that leads out of the root
// (the error value itself is not exported).
const errEscapes = "path escapes from parent"

func pushFileError(L *lua.LState, err error) int {
	err = classify(err)
	L.Push(lua.LNil)
	L.Push(lua.LString(err.Error()))
	L.Push(lua.LString(err.(*fileError).kind))
	return 3
}

func fileType(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "file"
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	}
	return "other"
}

// openRoot opens dir as the root paths are resolved beneath.
func openRoot(dir string) (*os.Root, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, &fileError{"failed", fmt.Errorf("the folder %s: %w", dir, err)}
	}
	return r, nil
}

// readBeneath reads the regular file name beneath dir. It opens without
// blocking, so a FIFO planted in the folder cannot stall the module.
func readBeneath(dir, name string) ([]byte, error) {
	r, err := openRoot(dir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	f, err := r.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &fileError{"not_a_file", fmt.Errorf("%s in %s is a %s, not a file", name, dir, fileType(st.Mode()))}
	}
	return io.ReadAll(f)
}

// statBeneath describes name beneath dir without following a final
// symlink.
func statBeneath(dir, name string) (fs.FileInfo, error) {
	r, err := openRoot(dir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Lstat(name)
}

// writeBeneath replaces (or makes) the regular file name beneath dir with
// data: it writes a temporary file beside it and renames it over, so a
// reader never sees half a file and nothing is ever written through a
// symlink. A symlink, folder or special file in the way is refused.
func writeBeneath(dir, name string, data []byte) error {
	r, err := openRoot(dir)
	if err != nil {
		return err
	}
	defer r.Close()
	if st, err := r.Lstat(name); err == nil && !st.Mode().IsRegular() {
		return &fileError{"not_a_file", fmt.Errorf("%s in %s is a %s: not replaced", name, dir, fileType(st.Mode()))}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(path.Dir(name), "."+path.Base(name)+".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = r.Rename(tmp, name)
	}
	if err != nil {
		_ = r.Remove(tmp)
	}
	return err
}
