package bridge

import (
	"errors"
	"math"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/storage"
	"github.com/moonport/moonport/lua/luaval"
)

// module:open_store(name, "archive") and core.storagemanager's
// open(host, name, "archive"): Prosody's archive store object over a
// storage.Archive, with Prosody's methods append, find, get, set, delete,
// summary, users and dates (mod_storage_internal's, here on every
// driver: computed from find, so one implementation serves them all),
// and its caps table. A util.stanza object given as a
// value is kept as its preserialised tree (storage.Stanza) and comes back
// as a util.stanza object; other values are plain data as in keyval
// stores (a function or userdata raises the same error). Failures come
// back as nil and Prosody's message: "item-not-found",
// "unsupported-datatype" (a nil value) and the driver's errors.

// archiveMethods are the archive store object's methods; each finds its
// storage.Archive as its upvalue.
var archiveMethods = map[string]lua.LGFunction{
	"append": archiveAppend, "find": archiveFind, "get": archiveGet, "set": archiveSet,
	"delete": archiveDelete, "summary": archiveSummary, "users": archiveUsers,
	"dates": archiveDates,
}

// pushArchive pushes the archive store object of host's store name.
func pushArchive(L *lua.LState, inst *Instance, host, name string, pin storage.Backend) int {
	a, err := inst.rt.openArchive(host, name, pin)
	if err != nil {
		return archiveResult(L, lua.LNil, err)
	}
	ud := L.NewUserData()
	ud.Value = storage.Archive(&boundedArchive{a: a, b: bound(inst, name, a)})
	obj := L.SetFuncs(L.NewTable(), archiveMethods, ud)
	obj.RawSetString("store", lua.LString(name))
	obj.RawSetString("type", lua.LString("archive"))
	// What a module may ask of every moonport archive (Prosody's SQL
	// driver's set), and the item limit in force when it was opened.
	caps := L.NewTable()
	for _, c := range []string{"total", "truncate", "full_id_range", "ids", "wildcard_delete"} {
		caps.RawSetString(c, lua.LTrue)
	}
	if n := inst.rt.archiveLimit(host, name, pin); n > 0 {
		caps.RawSetString("quota", lua.LNumber(n))
	}
	obj.RawSetString("caps", caps)
	L.Push(obj)
	return 1
}

// archiveOf is the archive of the method being called.
func archiveOf(L *lua.LState) storage.Archive {
	return L.CheckUserData(lua.UpvalueIndex(1)).Value.(storage.Archive)
}

// prosodyErrors are the errors whose message modules compare: they reach
// Lua as the bare name, whatever the driver wrapped around them.
var prosodyErrors = []error{storage.ErrItemNotFound, storage.ErrQuotaLimit,
	storage.ErrUnsupportedStore, storage.ErrUnsupportedDatatype}

// archiveResult is result with Prosody's error names.
func archiveResult(L *lua.LState, v lua.LValue, err error) int {
	for _, e := range prosodyErrors {
		if errors.Is(err, e) {
			err = e
		}
	}
	return result(L, v, err)
}

// stanzaLib is util.stanza as the module requires it.
func stanzaLib(L *lua.LState) *lua.LTable {
	L.Push(L.GetGlobal("require"))
	L.Push(lua.LString("util.stanza"))
	L.Call(1, 1)
	lib, _ := L.Get(-1).(*lua.LTable)
	L.Pop(1)
	if lib == nil {
		L.RaiseError("util.stanza is not a library table")
	}
	return lib
}

// callStanzaLib is util.stanza's fn(arg).
func callStanzaLib(L *lua.LState, fn string, arg lua.LValue) lua.LValue {
	L.Push(stanzaLib(L).RawGetString(fn))
	L.Push(arg)
	L.Call(1, 1)
	ret := L.Get(-1)
	L.Pop(1)
	return ret
}

// archiveValue is lv as an archive item's value: a util.stanza object
// as its preserialised tree, anything else as storable (which raises for
// what cannot be stored).
func archiveValue(L *lua.LState, method string, lv lua.LValue) any {
	if t, ok := lv.(*lua.LTable); ok && t.Metatable != lua.LNil &&
		lua.LVAsBool(callStanzaLib(L, "is_stanza", lv)) {
		tree := storable(L, method, callStanzaLib(L, "preserialize", lv))
		s := &storage.Stanza{Tree: tree}
		if err := storage.Check(s); err != nil {
			L.RaiseError("store:%s(): %s", method, err)
		}
		return s
	}
	return storable(L, method, lv)
}

// luaItemValue is an item's value in Lua: a stanza as a util.stanza
// object, plain data as tables.
func luaItemValue(L *lua.LState, v any) lua.LValue {
	if s, ok := v.(*storage.Stanza); ok {
		return callStanzaLib(L, "deserialize", luaval.ToLua(L, s.Tree))
	}
	return luaval.ToLua(L, v)
}

// luaWith is an item's with; "" (none given) is nil, as Prosody keeps it.
func luaWith(with string) lua.LValue {
	if with == "" {
		return lua.LNil
	}
	return lua.LString(with)
}

// argString is argument n: a string, or "" for nil.
func argString(L *lua.LState, n int, what string) string {
	switch v := L.Get(n).(type) {
	case *lua.LNilType:
		return ""
	case lua.LString:
		return string(v)
	default:
		L.ArgError(n, what+" must be a string or nil, not a "+v.Type().String())
		return ""
	}
}

// now is Prosody's util.time.now: seconds since the epoch, fractional.
func now() float64 { return float64(time.Now().UnixMicro()) / 1e6 }

// archiveAppend is append(username, key, value, when, with): the key.
func archiveAppend(L *lua.LState) int {
	user, key := userArg(L), argString(L, 3, "key")
	v := archiveValue(L, "append", L.Get(4))
	when := now()
	if n, ok := L.Get(5).(lua.LNumber); ok {
		when = float64(n)
	} else if L.Get(5) != lua.LNil {
		L.ArgError(5, "when must be a number (seconds since the epoch) or nil")
	}
	k, err := archiveOf(L).Append(user, key, v, when, argString(L, 6, "with"))
	return archiveResult(L, lua.LString(k), err)
}

// archiveFind is find(username, query): an iterator of key, value,
// when, with, and the total when query.total.
func archiveFind(L *lua.LState) int {
	q := queryArg(L, 3)
	items, total, err := archiveOf(L).Find(userArg(L), q)
	if err != nil {
		return archiveResult(L, lua.LNil, err)
	}
	i := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		if i >= len(items) {
			return 0
		}
		it := items[i]
		items[i] = storage.Item{} // given out: let it go
		i++
		L.Push(lua.LString(it.Key))
		L.Push(luaItemValue(L, it.Value))
		L.Push(lua.LNumber(it.When))
		L.Push(luaWith(it.With))
		return 4
	}))
	if total < 0 {
		return 1
	}
	L.Push(lua.LNumber(total))
	return 2
}

// archiveGet is get(username, key): value, when, with.
func archiveGet(L *lua.LState) int {
	q := storage.NewQuery()
	q.Key = L.CheckString(3)
	items, _, err := archiveOf(L).Find(userArg(L), q)
	if err == nil && len(items) == 0 {
		err = storage.ErrItemNotFound
	}
	if err != nil {
		return archiveResult(L, lua.LNil, err)
	}
	L.Push(luaItemValue(L, items[0].Value))
	L.Push(lua.LNumber(items[0].When))
	L.Push(luaWith(items[0].With))
	return 3
}

// archiveSet is set(username, key, new_value, new_when, new_with): true,
// or nil, "item-not-found"; a nil new_value, when or with keeps it.
func archiveSet(L *lua.LState) int {
	user, key := userArg(L), L.CheckString(3)
	var v any
	if L.Get(4) != lua.LNil {
		v = archiveValue(L, "set", L.Get(4))
	}
	var when *float64
	if n, ok := L.Get(5).(lua.LNumber); ok {
		f := float64(n)
		when = &f
	} else if L.Get(5) != lua.LNil {
		L.ArgError(5, "new_when must be a number (seconds since the epoch) or nil")
	}
	var with *string
	if L.Get(6) != lua.LNil {
		w := argString(L, 6, "new_with")
		with = &w
	}
	ok, err := archiveOf(L).Set(user, key, v, when, with)
	if err == nil && !ok {
		err = storage.ErrItemNotFound
	}
	return archiveResult(L, lua.LTrue, err)
}

// archiveDelete is delete(username, query): how many items went; a
// username of true is every user (Prosody's wildcard_delete).
func archiveDelete(L *lua.LState) int {
	all := L.Get(2) == lua.LTrue
	user := ""
	if !all {
		user = userArg(L)
	}
	n, err := archiveOf(L).Delete(user, all, queryArg(L, 3))
	return archiveResult(L, lua.LNumber(n), err)
}

// archiveSummary is summary(username, query): { counts, earliest,
// latest, body }, each by with (an item with none under ""); body, the
// last message text, only the internal driver fills, as Prosody's.
func archiveSummary(L *lua.LState) int {
	s, err := archiveOf(L).Summary(userArg(L), queryArg(L, 3))
	if err != nil {
		return archiveResult(L, lua.LNil, err)
	}
	counts, earliest, latest, body := L.NewTable(), L.NewTable(), L.NewTable(), L.NewTable()
	for with, e := range s {
		counts.RawSetString(with, lua.LNumber(e.Count))
		earliest.RawSetString(with, lua.LNumber(e.Earliest))
		latest.RawSetString(with, lua.LNumber(e.Latest))
		if e.Body != nil {
			body.RawSetString(with, lua.LString(*e.Body))
		}
	}
	out := L.NewTable()
	out.RawSetString("counts", counts)
	out.RawSetString("earliest", earliest)
	out.RawSetString("latest", latest)
	out.RawSetString("body", body)
	L.Push(out)
	return 1
}

// archiveDates is dates(username): the days (UTC, YYYY-MM-DD) on which
// the user has items, each once, in the archive's order, as
// mod_storage_internal lists them; nil when the user has none (its
// answer for a user without an archive file).
func archiveDates(L *lua.LState) int {
	items, _, err := archiveOf(L).Find(userArg(L), storage.NewQuery())
	if err != nil || len(items) == 0 {
		return archiveResult(L, lua.LNil, err)
	}
	out := L.NewTable()
	seen := map[string]bool{}
	for _, it := range items {
		sec, frac := math.Modf(it.When)
		day := time.Unix(int64(sec), int64(frac*1e9)).UTC().Format(time.DateOnly)
		if !seen[day] {
			seen[day] = true
			out.Append(lua.LString(day))
		}
	}
	L.Push(out)
	return 1
}

// archiveUsers is users(): an iterator over the users with items.
func archiveUsers(L *lua.LState) int {
	users, err := archiveOf(L).Users()
	return pushUsers(L, users, err)
}

// intField is a whole number field of a query; -1 when absent.
func intField(L *lua.LState, n int, t *lua.LTable, name string) int {
	switch v := t.RawGetString(name).(type) {
	case *lua.LNilType:
		return -1
	case lua.LNumber:
		if f := float64(v); f >= 0 && f == math.Trunc(f) && f <= math.MaxInt32 {
			return int(f)
		}
	}
	L.ArgError(n, "query."+name+" must be a whole number, at least 0, or nil")
	return -1
}

// queryArg is the query table at argument n (nil for every item) as a
// storage.Query; a field of the wrong type is an argument error naming
// it.
func queryArg(L *lua.LState, n int) storage.Query {
	q := storage.NewQuery()
	t, ok := L.Get(n).(*lua.LTable)
	if !ok {
		if L.Get(n) != lua.LNil {
			L.ArgError(n, "the query must be a table or nil, not a "+L.Get(n).Type().String())
		}
		return q
	}
	num := func(name string) *float64 {
		switch v := t.RawGetString(name).(type) {
		case *lua.LNilType:
			return nil
		case lua.LNumber:
			f := float64(v)
			return &f
		}
		L.ArgError(n, "query."+name+" must be a number (seconds since the epoch) or nil")
		return nil
	}
	str := func(name string) *string {
		switch v := t.RawGetString(name).(type) {
		case *lua.LNilType:
			return nil
		case lua.LString:
			s := string(v)
			return &s
		}
		L.ArgError(n, "query."+name+" must be a string or nil")
		return nil
	}
	q.Start, q.End, q.With = num("start"), num("end"), str("with")
	for name, field := range map[string]*string{"key": &q.Key, "before": &q.Before, "after": &q.After} {
		if s := str(name); s != nil {
			*field = *s
		}
	}
	if ids, ok := t.RawGetString("ids").(*lua.LTable); ok {
		q.IDs = []string{}
		for i := 1; i <= ids.Len(); i++ {
			s, ok := ids.RawGetInt(i).(lua.LString)
			if !ok {
				L.ArgError(n, "query.ids must be a list of strings")
			}
			q.IDs = append(q.IDs, string(s))
		}
	} else if t.RawGetString("ids") != lua.LNil {
		L.ArgError(n, "query.ids must be a list of strings or nil")
	}
	q.Limit, q.Truncate = intField(L, n, t, "limit"), intField(L, n, t, "truncate")
	q.Reverse, q.Total = lua.LVAsBool(t.RawGetString("reverse")), lua.LVAsBool(t.RawGetString("total"))
	return q
}
