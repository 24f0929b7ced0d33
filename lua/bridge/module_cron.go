package bridge

import (
	lua "github.com/yuin/gopher-lua"
)

// Periodic tasks, Prosody 0.12's way: module:cron adds an item of type
// "task" ({ name, when = "hourly" | "daily" | "weekly", run }) for
// mod_cron, which it loads with module:depends, to run.

func init() {
	registerModuleMethods(map[string]lua.LGFunction{
		"cron":   moduleCron,
		"hourly": periodic("hourly"),
		"daily":  periodic("daily"),
		"weekly": periodic("weekly"),
	})
}

// moduleCron is module:cron(task). Prosody fails when mod_cron cannot be
// loaded; moonport logs it and keeps the item (it runs nothing until a
// mod_cron is there), so a module with a daily clean-up still loads
// where there is no mod_cron.
func moduleCron(L *lua.LState) int {
	inst := instanceOf(L)
	task := L.CheckTable(2)
	self := L.Get(1)
	depends := L.GetField(self, "depends")
	if err := L.CallByParam(lua.P{Fn: depends, NRet: 0, Protect: true}, self, lua.LString("cron")); err != nil {
		inst.log.Warnf("module:cron: %s; its periodic tasks will not run", luaErrorText(err, nil))
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
