package bridge

import (
	"errors"
	"os"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

func init() { registerLibrary("lfs", funcsLibrary(lfsFuncs)) }

// lfsFuncs is require "lfs", LuaFileSystem 1.8 as Prosody uses it. A
// failure returns nil, the system's message and its errno, as lfs does.
// chdir is refused: the working folder is the whole host's.
var lfsFuncs = map[string]lua.LGFunction{
	"attributes":        lfsAttributes,
	"symlinkattributes": lfsSymlinkAttributes,
	"dir":               lfsDir,
	"mkdir":             lfsMkdir,
	"rmdir":             lfsRmdir,
	"currentdir":        lfsCurrentdir,
	"touch":             lfsTouch,
	"chdir":             lfsChdir,
}

// lfsFail pushes nil, message, errno for err, with the message as C's
// strerror writes it (capitalised), after prefix.
func lfsFail(L *lua.LState, prefix string, err error) int {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		L.Push(lua.LNil)
		L.Push(lua.LString(prefix + err.Error()))
		return 2
	}
	msg := errno.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	L.Push(lua.LNil)
	L.Push(lua.LString(prefix + msg))
	L.Push(lua.LNumber(errno))
	return 3
}

// lfsModes names a file type as lfs does.
func lfsMode(m uint32) string {
	switch m & unix.S_IFMT {
	case unix.S_IFREG:
		return "file"
	case unix.S_IFDIR:
		return "directory"
	case unix.S_IFLNK:
		return "link"
	case unix.S_IFSOCK:
		return "socket"
	case unix.S_IFIFO:
		return "named pipe"
	case unix.S_IFCHR:
		return "char device"
	case unix.S_IFBLK:
		return "block device"
	}
	return "other"
}

// lfsPermissions is the rwxrwxrwx string of a mode's permission bits.
func lfsPermissions(m uint32) string {
	const letters = "rwxrwxrwx"
	b := []byte("---------")
	for i := range b {
		if m&(1<<(8-i)) != 0 {
			b[i] = letters[i]
		}
	}
	return string(b)
}

// lfsAttrs is every attribute of a stat result, by lfs's names.
func lfsAttrs(st *unix.Stat_t) map[string]lua.LValue {
	return map[string]lua.LValue{
		"mode":         lua.LString(lfsMode(uint32(st.Mode))),
		"dev":          lua.LNumber(st.Dev),
		"ino":          lua.LNumber(st.Ino),
		"nlink":        lua.LNumber(st.Nlink),
		"uid":          lua.LNumber(st.Uid),
		"gid":          lua.LNumber(st.Gid),
		"rdev":         lua.LNumber(st.Rdev),
		"access":       lua.LNumber(st.Atim.Sec),
		"modification": lua.LNumber(st.Mtim.Sec),
		"change":       lua.LNumber(st.Ctim.Sec),
		"size":         lua.LNumber(st.Size),
		"permissions":  lua.LString(lfsPermissions(uint32(st.Mode))),
		"blocks":       lua.LNumber(st.Blocks),
		"blksize":      lua.LNumber(st.Blksize),
	}
}

func lfsAttributes(L *lua.LState) int        { return lfsStatPush(L, unix.Stat) }
func lfsSymlinkAttributes(L *lua.LState) int { return lfsStatPush(L, unix.Lstat) }

// lfsStatPush is attributes(path [, name | table]): all attributes in a
// table (the one given, if one is), or the one named.
func lfsStatPush(L *lua.LState, stat func(string, *unix.Stat_t) error) int {
	path := L.CheckString(1)
	var st unix.Stat_t
	if err := stat(path, &st); err != nil {
		return lfsFail(L, "cannot obtain information from file '"+path+"': ", err)
	}
	attrs := lfsAttrs(&st)
	if name, ok := L.Get(2).(lua.LString); ok {
		v, known := attrs[string(name)]
		if !known {
			L.RaiseError("invalid attribute name '%s'", string(name))
		}
		L.Push(v)
		return 1
	}
	t, ok := L.Get(2).(*lua.LTable)
	if !ok {
		t = L.CreateTable(0, len(attrs))
	}
	for k, v := range attrs {
		t.RawSetString(k, v)
	}
	L.Push(t)
	return 1
}

// lfsDir is dir(path): an iterator over the names in the folder, "." and
// ".." first, and the directory object it takes (with next and close).
// The names are read at once and the folder closed, so an iterator left
// unfinished holds no descriptor.
func lfsDir(L *lua.LState) int {
	path := L.CheckString(1)
	f, err := os.Open(path)
	var names []string
	if err == nil {
		names, err = f.Readdirnames(-1)
		f.Close()
	}
	if err != nil {
		var errno unix.Errno
		msg := err.Error()
		if errors.As(err, &errno) {
			msg = errno.Error()
			msg = strings.ToUpper(msg[:1]) + msg[1:]
		}
		L.RaiseError("cannot open %s: %s", path, msg)
	}
	ud := L.NewUserData()
	ud.Value = &lfsDirState{names: append([]string{".", ".."}, names...)}
	mt := L.NewTable()
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"next": lfsDirNext, "close": lfsDirClose})
	mt.RawSetString("__index", methods)
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("directory (" + path + ")"))
		return 1
	}))
	L.SetMetatable(ud, mt)
	L.Push(L.NewFunction(lfsDirNext))
	L.Push(ud)
	return 2
}

type lfsDirState struct {
	names  []string
	closed bool
}

func lfsDirOf(L *lua.LState) *lfsDirState {
	ud := L.CheckUserData(1)
	d, ok := ud.Value.(*lfsDirState)
	if !ok {
		L.ArgError(1, "directory expected")
	}
	return d
}

func lfsDirNext(L *lua.LState) int {
	d := lfsDirOf(L)
	if d.closed {
		L.ArgError(1, "closed directory")
	}
	if len(d.names) == 0 {
		d.closed = true
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(d.names[0]))
	d.names = d.names[1:]
	return 1
}

func lfsDirClose(L *lua.LState) int {
	d := lfsDirOf(L)
	d.closed, d.names = true, nil
	return 0
}

// lfsMkdir is mkdir(path): the folder made with mode 0777 less the umask.
func lfsMkdir(L *lua.LState) int {
	if err := unix.Mkdir(L.CheckString(1), 0o777); err != nil {
		return lfsFail(L, "", err)
	}
	L.Push(lua.LTrue)
	return 1
}

func lfsRmdir(L *lua.LState) int {
	if err := unix.Rmdir(L.CheckString(1)); err != nil {
		return lfsFail(L, "", err)
	}
	L.Push(lua.LTrue)
	return 1
}

func lfsCurrentdir(L *lua.LState) int {
	dir, err := os.Getwd()
	if err != nil {
		return lfsFail(L, "", err)
	}
	L.Push(lua.LString(dir))
	return 1
}

// lfsTouch is touch(path [, atime [, mtime]]): the file's times set (now
// by default, mtime defaulting to atime); a missing file is not made.
func lfsTouch(L *lua.LState) int {
	path := L.CheckString(1)
	var err error
	if L.Get(2) == lua.LNil {
		err = lfsTouchNow(path)
	} else {
		at := time.Unix(int64(L.CheckNumber(2)), 0)
		mt := at
		if L.Get(3) != lua.LNil {
			mt = time.Unix(int64(L.CheckNumber(3)), 0)
		}
		ts := []unix.Timespec{unix.NsecToTimespec(at.UnixNano()), unix.NsecToTimespec(mt.UnixNano())}
		err = unix.UtimesNano(path, ts)
	}
	if err != nil {
		return lfsFail(L, "", err)
	}
	L.Push(lua.LTrue)
	return 1
}

// lfsChdir refuses: one process serves every module, and its working
// folder is the host's.
func lfsChdir(L *lua.LState) int {
	L.RaiseError("lfs.chdir is not available in moonport: the working folder is the host's, shared by every module; use absolute paths")
	return 0
}
