package bridge

import (
	"os"

	lua "github.com/yuin/gopher-lua"
)

func init() {
	registerModuleMethods(map[string]lua.LGFunction{"get_option_folder": moduleGetOptionFolder})
}

// moduleGetOptionFolder is module:get_option_folder(name, default), a
// moonport extension for the folders a module serves or writes
// (static_files_dir, tftp_root): the option as module:get_option_path(
// name, default, "config") gives it, a relative path under the config
// file's folder whatever the working directory. A folder that does not
// exist (or is no folder) is a warning naming the option, its value, the
// config file and line that set it and the module's file; the path is
// returned all the same, so the module serves it once it is created.
func moduleGetOptionFolder(L *lua.LState) int {
	inst := instanceOf(L)
	name := L.CheckString(2)
	v := inst.scalar(L)
	if v == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	val := L.ToStringMeta(v).String()
	base := inst.rt.paths()["config"]
	dir := resolveRelative(base, val)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		where := "its default"
		if o, ok := inst.snap.Load().Get(hostOf(L, inst), name); ok {
			where = o.Location.String()
		}
		why := "does not exist"
		if err == nil {
			why = "is not a folder"
		} else if !os.IsNotExist(err) {
			why = "cannot be read: " + err.Error()
		}
		inst.log.Warnf("%s = %q (%s) names %s, which %s; create it or set %s to a folder (a relative path starts at the config file's folder, %s); module file %s",
			name, val, where, dir, why, name, base, inst.Path)
	}
	L.Push(lua.LString(dir))
	return 1
}
