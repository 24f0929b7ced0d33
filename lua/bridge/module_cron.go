package bridge

import (
	lua "github.com/yuin/gopher-lua"
)

// Periodic tasks, Prosody 0.12's way: module:cron adds an item of type
// "task" ({ name, when = "hourly" | "daily" | "weekly", run }) for
// mod_cron, which it loads with module:depends, to run. moonport has no
// mod_cron of its own: Prosody's runs unchanged (its folder on
// plugin_paths), keeping each task's last run in the host's "cron" map
// store (module_store.go).

func init() {
	registerModuleMethods(map[string]lua.LGFunction{
		"cron":   moduleCron,
		"hourly": periodic("hourly"),
		"daily":  periodic("daily"),
		"weekly": periodic("weekly"),
	})
}

// moduleCron is module:cron(task). Prosody fails when mod_cron cannot be
// loaded; moonport logs a warning naming why and keeps the item (nothing
// runs it unless a mod_cron loads later), so a module with a daily
// clean-up still loads where Prosody's modules are not installed.
func moduleCron(L *lua.LState) int {
	inst := instanceOf(L)
	task := L.CheckTable(2)
	self := L.Get(1)
	depends := L.GetField(self, "depends")
	if err := L.CallByParam(lua.P{Fn: depends, NRet: 0, Protect: true}, self, lua.LString("cron")); err != nil {
		inst.log.Warnf("module:cron: %s; its periodic tasks will not run (mod_cron is Prosody's: add its modules folder to plugin_paths)", luaErrorText(err, nil))
	}
	inst.addItem(L, "task", task)
	return 0
}

// periodic is module:hourly/daily/weekly([name,] fn): module:cron({ name
// = name, when = when, run = fn }).
func periodic(when string) lua.LGFunction {
	return func(L *lua.LState) int {
		name, fn := L.Get(2), L.Get(3)
		if f, ok := name.(*lua.LFunction); ok {
			name, fn = lua.LNil, f
		}
		task := L.NewTable()
		task.RawSetString("name", name)
		task.RawSetString("when", lua.LString(when))
		task.RawSetString("run", fn)
		L.SetTop(1)
		L.Push(task)
		return moduleCron(L)
	}
}
