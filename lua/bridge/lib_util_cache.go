package bridge

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// util.cache is Prosody 0.12's least-recently-set cache, in Go: a map from
// key to a node of a doubly linked list, most recently set first. A cache
// is a userdata whose metatable is built once per state (in the opener);
// cache.size reads its size, as Prosody's table field does.

func init() { registerLibrary("util.cache", openCache) }

// luaCache is one cache. onEvict is nil, false (never evict: set fails
// when full) or a function called with the evicted key and value, which
// may return false to refuse.
type luaCache struct {
	size       int
	onEvict    lua.LValue
	nodes      map[lua.LValue]*cacheNode
	head, tail *cacheNode
	proxy      *lua.LTable
}

// cacheNode is an entry. A removed node keeps its next, so an items
// iterator standing on it goes on where it was.
type cacheNode struct {
	key, value lua.LValue
	prev, next *cacheNode
}

var cacheMethods = map[string]lua.LGFunction{
	"set":    cacheSet,
	"get":    cacheGet,
	"items":  cacheItems,
	"values": cacheValues,
	"count":  cacheCount,
	"head":   cacheHead,
	"tail":   cacheTail,
	"resize": cacheResize,
	"table":  cacheTable,
	"clear":  cacheClear,
}

// openCache builds the library: new(size, on_evict) makes caches with the
// state's cache metatable.
func openCache(inst *Instance) lua.LValue {
	L := inst.L
	methods := L.SetFuncs(L.NewTable(), cacheMethods)
	mt := L.NewTable()
	mt.RawSetString("__name", lua.LString("cache"))
	mt.RawSetString("__index", L.NewClosure(cacheIndex, methods))
	lib := L.NewTable()
	lib.RawSetString("new", L.NewClosure(cacheNew, mt))
	return lib
}

// cacheNew is new(size, on_evict).
func cacheNew(L *lua.LState) int {
	c := &luaCache{size: checkCacheSize(L, L.Get(1)), onEvict: L.Get(2), nodes: map[lua.LValue]*cacheNode{}}
	ud := L.NewUserData()
	ud.Value = c
	L.SetMetatable(ud, L.Get(lua.UpvalueIndex(1)))
	L.Push(ud)
	return 1
}

// checkCacheSize is Prosody's check of a size: a number (or a string of
// one), floored, above zero; the errors are its assert messages.
func checkCacheSize(L *lua.LState, v lua.LValue) int {
	n, ok := tonumberOf(v)
	if !ok {
		L.Error(lua.LString("cache size must be a number"), 0)
	}
	n = math.Floor(n)
	if !(n > 0) {
		L.Error(lua.LString("cache size must be greater than zero"), 0)
	}
	if n > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(n)
}

// tonumberOf is Lua's tonumber of a number or a numeric string (decimal or
// 0x hexadecimal, spaces around allowed).
func tonumberOf(v lua.LValue) (float64, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x), true
	case lua.LString:
		s := strings.TrimSpace(string(x))
		if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
			n, err := strconv.ParseUint(h, 16, 64)
			return float64(n), err == nil
		}
		n, err := strconv.ParseFloat(s, 64)
		return n, err == nil && !strings.Contains(s, "_")
	}
	return 0, false
}

// cacheIndex is the __index of a cache: its methods, and size.
func cacheIndex(L *lua.LState) int {
	if k, ok := L.Get(2).(lua.LString); ok && k == "size" {
		L.Push(lua.LNumber(checkCache(L).size))
		return 1
	}
	L.Push(L.Get(lua.UpvalueIndex(1)).(*lua.LTable).RawGet(L.Get(2)))
	return 1
}

func checkCache(L *lua.LState) *luaCache {
	c, ok := L.CheckUserData(1).Value.(*luaCache)
	if !ok {
		L.ArgError(1, "cache expected")
	}
	return c
}

func (c *luaCache) unlink(n *cacheNode) {
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		c.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		c.tail = n.prev
	}
	delete(c.nodes, n.key)
}

func (c *luaCache) pushFront(n *cacheNode) {
	n.prev, n.next = nil, c.head
	if c.head != nil {
		c.head.prev = n
	} else {
		c.tail = n
	}
	c.head = n
	c.nodes[n.key] = n
}

// evictTail makes room by dropping the oldest entry; false when on_evict
// forbids it.
func (c *luaCache) evictTail(L *lua.LState) bool {
	tail := c.tail
	switch fn := c.onEvict.(type) {
	case *lua.LNilType:
	case lua.LBool:
		if !fn {
			return false
		}
	default:
		L.Push(fn)
		L.Push(tail.key)
		L.Push(tail.value)
		L.Call(2, 1)
		refused := L.Get(-1) == lua.LFalse
		L.Pop(1)
		if refused {
			return false
		}
	}
	if c.nodes[tail.key] == tail {
		c.unlink(tail)
	}
	return true
}

// cacheSet is cache:set(k, v): v nil removes k; a new key when the cache is
// full first evicts the oldest. Returns false when it could not.
func cacheSet(L *lua.LState) int {
	c := checkCache(L)
	k, v := L.Get(2), L.Get(3)
	if n := c.nodes[k]; n != nil {
		c.unlink(n)
		if v != lua.LNil {
			n.value = v
			c.pushFront(n)
		}
		L.Push(lua.LTrue)
		return 1
	}
	if v != lua.LNil {
		if k == lua.LNil {
			L.RaiseError("table index is nil")
		}
		if isNaNKey(k) {
			L.RaiseError("table index is NaN")
		}
		if len(c.nodes) >= c.size && !c.evictTail(L) {
			L.Push(lua.LFalse)
			return 1
		}
		c.pushFront(&cacheNode{key: k, value: v})
	}
	L.Push(lua.LTrue)
	return 1
}

func isNaNKey(v lua.LValue) bool {
	n, ok := v.(lua.LNumber)
	return ok && n != n
}

// cacheGet is cache:get(k); it does not make k recent.
func cacheGet(L *lua.LState) int {
	if n := checkCache(L).nodes[L.Get(2)]; n != nil {
		L.Push(n.value)
	} else {
		L.Push(lua.LNil)
	}
	return 1
}

// cacheItems is cache:items(): an iterator of key, value from the most
// recent on.
func cacheItems(L *lua.LState) int { return pushCacheIterator(L, true) }

// cacheValues is cache:values(): the values, most recent first.
func cacheValues(L *lua.LState) int { return pushCacheIterator(L, false) }

func pushCacheIterator(L *lua.LState, withKeys bool) int {
	n := checkCache(L).head
	L.Push(L.NewFunction(func(L *lua.LState) int {
		if n == nil {
			return 0
		}
		cur := n
		n = n.next
		if withKeys {
			L.Push(cur.key)
		}
		L.Push(cur.value)
		if withKeys {
			return 2
		}
		return 1
	}))
	return 1
}

func cacheCount(L *lua.LState) int {
	L.Push(lua.LNumber(len(checkCache(L).nodes)))
	return 1
}

// cacheHead is cache:head(): the most recent key and value (nil, nil when
// empty).
func cacheHead(L *lua.LState) int { return pushCacheEnd(L, checkCache(L).head) }

// cacheTail is cache:tail(): the oldest key and value.
func cacheTail(L *lua.LState) int { return pushCacheEnd(L, checkCache(L).tail) }

func pushCacheEnd(L *lua.LState, n *cacheNode) int {
	if n == nil {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
	} else {
		L.Push(n.key)
		L.Push(n.value)
	}
	return 2
}

// cacheResize is cache:resize(size): evicts the oldest entries down to the
// new size; false (and the size unchanged) when on_evict refuses one.
func cacheResize(L *lua.LState) int {
	c := checkCache(L)
	size := checkCacheSize(L, L.Get(2))
	for len(c.nodes) > size {
		if !c.evictTail(L) {
			L.Push(lua.LFalse)
			return 1
		}
	}
	c.size = size
	L.Push(lua.LTrue)
	return 1
}

// cacheClear is cache:clear(): empty, same size.
func cacheClear(L *lua.LState) int {
	c := checkCache(L)
	c.nodes = map[lua.LValue]*cacheNode{}
	c.head, c.tail = nil, nil
	return 0
}

// cacheTable is cache:table(): a table that reads and writes the cache
// (t[k] is get, t[k] = v is set and an error when the cache is full and
// may not evict). Its __pairs and __len are Lua 5.2's, which the
// gopher-lua fork's pairs and # honour.
func cacheTable(L *lua.LState) int {
	c := checkCache(L)
	if c.proxy == nil {
		self := L.Get(1)
		call := func(method lua.LGFunction) *lua.LFunction {
			return L.NewFunction(func(L *lua.LState) int {
				L.Replace(1, self)
				return method(L)
			})
		}
		mt := L.NewTable()
		mt.RawSetString("__index", call(cacheGet))
		mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
			L.Replace(1, self)
			cacheSet(L)
			if L.Get(-1) == lua.LFalse {
				L.RaiseError("failed to insert key into cache - full")
			}
			return 0
		}))
		mt.RawSetString("__pairs", call(cacheItems))
		mt.RawSetString("__len", call(cacheCount))
		c.proxy = L.NewTable()
		L.SetMetatable(c.proxy, mt)
	}
	L.Push(c.proxy)
	return 1
}
