package bridge

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"syscall"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.envload", funcsLibrary(envloadFuncs)) }

// envloadFuncs is require "util.envload": compile a chunk with a table of
// its own as its globals.
var envloadFuncs = map[string]lua.LGFunction{
	"envload":     envload,
	"envloadfile": envloadFile,
}

// envload is envload(code, source, env): the chunk as a function (its
// globals env when given), or nil and the compile error. source names the
// chunk in messages; Lua's "@file" and "=name" forms name it file or name,
// as moonport names module files.
func envload(L *lua.LState) int {
	code := L.CheckString(1)
	name := L.OptString(2, "<string>")
	if len(name) > 0 && (name[0] == '@' || name[0] == '=') {
		name = name[1:]
	}
	return pushChunk(L, []byte(code), name, L.Get(3))
}

// envloadFile is envloadfile(path, env): the file's chunk, or nil and the
// error; a file that cannot be opened gives nil, "path: message" and the
// errno, as io.open.
func envloadFile(L *lua.LState) int {
	path := L.CheckString(1)
	src, err := os.ReadFile(path)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(path + ": " + cStrerror(err)))
		var errno syscall.Errno
		if errors.As(err, &errno) {
			L.Push(lua.LNumber(errno))
			return 3
		}
		return 2
	}
	return pushChunk(L, src, path, L.Get(2))
}

// pushChunk compiles src and gives it env (a table) as its globals.
func pushChunk(L *lua.LState, src []byte, name string, env lua.LValue) int {
	fn, err := L.Load(bytes.NewReader(src), name)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	if t, ok := env.(*lua.LTable); ok {
		fn.Env = t
	}
	L.Push(fn)
	return 1
}

// cStrerror is the C library's message for err's errno ("No such file or
// directory"), which is Go's with a capital.
func cStrerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	msg := errno.Error()
	return strings.ToUpper(msg[:1]) + msg[1:]
}
