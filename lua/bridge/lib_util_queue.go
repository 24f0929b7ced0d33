package bridge

import (
	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.queue", funcsLibrary(queueFuncs)) }

// queueFuncs is require "util.queue".
var queueFuncs = map[string]lua.LGFunction{"new": queueNew}

// queueRing is a queue of at most len(items) values: count of them from
// items[first] on, wrapping around.
type queueRing struct {
	items        []lua.LValue
	first, count int
	wrap         bool
}

func (r *queueRing) at(pos int) lua.LValue { return r.items[(r.first+pos)%len(r.items)] }

// push adds v at the end; a full queue drops its oldest when it wraps,
// else refuses.
func (r *queueRing) push(v lua.LValue) bool {
	if r.count == len(r.items) {
		if !r.wrap {
			return false
		}
		r.first = (r.first + 1) % len(r.items)
		r.count--
	}
	r.items[(r.first+r.count)%len(r.items)] = v
	r.count++
	return true
}

func (r *queueRing) pop() lua.LValue {
	if r.count == 0 {
		return lua.LNil
	}
	v := r.items[r.first]
	r.items[r.first] = lua.LNil
	r.first = (r.first + 1) % len(r.items)
	r.count--
	return v
}

// queueNew is new(size, allow_wrapping): a fixed-size FIFO as Prosody's, a
// table with size and the methods count, push (true, or nil and "queue
// full"), pop, peek, replace (the oldest item, or push when empty), items
// (an iterator of position, item from the oldest) and consume (pop until
// nil). The methods are closures over the queue, so self is not needed.
func queueNew(L *lua.LState) int {
	size := L.CheckInt(1)
	if size < 1 {
		L.ArgError(1, "queue size must be at least 1")
	}
	r := &queueRing{items: make([]lua.LValue, size), wrap: lua.LVAsBool(L.Get(2))}
	q := L.NewTable()
	q.RawSetString("size", lua.LNumber(size))
	q.RawSetString("count", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(r.count))
		return 1
	}))
	q.RawSetString("push", L.NewFunction(func(L *lua.LState) int { return queuePushResult(L, r.push(L.Get(2))) }))
	pop := L.NewFunction(func(L *lua.LState) int {
		L.Push(r.pop())
		return 1
	})
	q.RawSetString("pop", pop)
	q.RawSetString("peek", L.NewFunction(func(L *lua.LState) int {
		if r.count == 0 {
			L.Push(lua.LNil)
		} else {
			L.Push(r.at(0))
		}
		return 1
	}))
	q.RawSetString("replace", L.NewFunction(func(L *lua.LState) int {
		if r.count == 0 {
			return queuePushResult(L, r.push(L.Get(2)))
		}
		r.items[r.first] = L.Get(2)
		L.Push(lua.LTrue)
		return 1
	}))
	q.RawSetString("items", L.NewFunction(func(L *lua.LState) int {
		L.Push(L.NewFunction(func(L *lua.LState) int {
			pos := L.CheckInt(2)
			if pos >= r.count {
				return 0
			}
			L.Push(lua.LNumber(pos + 1))
			L.Push(r.at(pos))
			return 2
		}))
		L.Push(q)
		L.Push(lua.LNumber(0))
		return 3
	}))
	q.RawSetString("consume", L.NewFunction(func(L *lua.LState) int {
		L.Push(pop)
		L.Push(q)
		return 2
	}))
	L.Push(q)
	return 1
}

func queuePushResult(L *lua.LState, ok bool) int {
	if ok {
		L.Push(lua.LTrue)
		return 1
	}
	L.Push(lua.LNil)
	L.Push(lua.LString("queue full"))
	return 2
}
