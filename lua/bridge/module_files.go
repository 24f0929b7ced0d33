package bridge

import (
	"bytes"
	_ "embed"
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// The files a module ships beside its own: module:require runs its Lua
// library files, module:load_resource reads its data files. Both look in
// the module folders (Source), which may be embedded rather than on disk,
// so they read through the folders' fs.FS.

func init() {
	registerModuleMethods(map[string]lua.LGFunction{
		"require":       moduleRequire,
		"load_resource": moduleLoadResource,
	})
}

// libraryNames are the places Prosody's plugin loader tries for resource
// res of module mod, in its order, within each plugin folder.
func libraryNames(mod, res string) []string {
	return []string{
		path.Join("mod_"+mod, mod, res),
		path.Join("mod_"+mod, res),
		path.Join(mod, res),
		res,
	}
}

// findLibrary is the file module:require(lib) runs: <lib>.lib.lua, then
// <lib>.lua, each in the module's places on every plugin folder, then the
// places of a plugin named lib itself, as Prosody's load_code_ext.
func (inst *Instance) findLibrary(lib string) (string, []byte, error) {
	tries := [][2]string{{inst.Name, lib + ".lib.lua"}, {inst.Name, lib + ".lua"}, {lib, lib + ".lib.lua"}}
	sources := inst.rt.currentSources()
	var tried []string
	for _, t := range tries {
		for _, src := range sources {
			for _, name := range libraryNames(t[0], t[1]) {
				if b, err := fs.ReadFile(src.FS, name); err == nil {
					return path.Join(src.Label, name), b, nil
				}
			}
		}
		tried = append(tried, t[1])
	}
	return "", nil, errors.New("no " + strings.Join(tried, " or ") + " beside the module on the plugin paths")
}

// moduleRequire is module:require(lib): it runs the module's library file
// in the module's environment (its state's globals) and returns what the
// file returns. Like Prosody, it runs the file at every call; a syntax
// error or an error the file raises names the file and line.
func moduleRequire(L *lua.LState) int {
	inst := instanceOf(L)
	lib := L.CheckString(2)
	file, src, err := inst.findLibrary(lib)
	if err != nil {
		L.RaiseError("Failed to load plugin library '%s', error: %v", lib, err)
	}
	fn, err := L.Load(bytes.NewReader(src), file)
	if err != nil {
		L.RaiseError("Failed to load plugin library '%s', error: %s", lib, parseErrorMessage(file, src, err))
	}
	top := L.GetTop()
	L.Push(fn)
	L.Call(0, lua.MultRet)
	return L.GetTop() - top
}

// readResource reads a file of the module's folder, by a path relative to
// it (or absolute), as Prosody's resolve_relative_path.
func (inst *Instance) readResource(name string) ([]byte, error) {
	full := path.Clean(resolveRelative(path.Dir(inst.Path), name))
	if path.IsAbs(name) {
		return os.ReadFile(full)
	}
	for _, src := range inst.rt.currentSources() {
		rel, ok := strings.CutPrefix(full, src.Label+"/")
		if ok && fs.ValidPath(rel) {
			return fs.ReadFile(src.FS, rel)
		}
	}
	return os.ReadFile(full)
}

//go:embed module_files.lua
var resourceFileSource string

var (
	resourceFileOnce  sync.Once
	resourceFileProto *lua.FunctionProto
)

// moduleLoadResource is module:load_resource(path, mode): like io.open
// on the file beside the module, a handle with :read, :lines, :seek and
// :close, or nil and the error. It only reads: a mode that writes fails
// as io.open fails, with nil and a message.
func moduleLoadResource(L *lua.LState) int {
	inst := instanceOf(L)
	name := L.CheckString(2)
	if mode := L.OptString(3, "r"); strings.ContainsAny(mode, "wa+") {
		L.Push(lua.LNil)
		L.Push(lua.LString(name + ": module:load_resource only reads (mode \"" + mode + "\")"))
		return 2
	}
	data, err := inst.readResource(name)
	if err != nil {
		L.Push(lua.LNil)
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		L.Push(lua.LString(name + ": " + err.Error()))
		return 2
	}
	resourceFileOnce.Do(func() { resourceFileProto = compileLibrary("resource file", resourceFileSource) })
	L.Push(L.NewFunctionFromProto(resourceFileProto))
	L.Push(lua.LString(data))
	L.Call(1, 1)
	return 1
}
