package lua

// moonport: tests of the pruning of deleted keys (compactKeys) and of
// the array part's trailing nils (setArray), see MOONPORT.md, "Tables
// forget deleted keys".

import (
	"fmt"
	"strings"
	"testing"
)

// checkKeysBounded fails when tb's key index holds more than a small
// multiple of its live keys: the bound compactKeys keeps.
func checkKeysBounded(t *testing.T, tb *LTable, step int) bool {
	t.Helper()
	live := len(tb.strdict) + len(tb.dict)
	limit := 2*max(live, minDeadKeys) + 2
	if len(tb.keys) > limit || len(tb.k2i) > limit || cap(tb.keys) > 2*limit {
		t.Errorf("step %d: %d live keys, keys %d (cap %d), k2i %d; want <= %d",
			step, live, len(tb.keys), cap(tb.keys), len(tb.k2i), limit)
		return false
	}
	return true
}

// A table keyed by connections: 1,000,000 distinct keys set and cleared
// one at a time, at most 100 live, keeps its key index bounded. v1.1.2
// kept every key: keys and k2i grew to 1,000,000.
func TestTableChurnBounded(t *testing.T) {
	L := NewState()
	defer L.Close()
	const total, window = 1000000, 100
	kinds := map[string]func(i int) LValue{
		"string":   func(i int) LValue { return LString(fmt.Sprintf("conn%d", i)) },
		"number":   func(i int) LValue { return LNumber(float64(i) + 0.5) },
		"negative": func(i int) LValue { return LNumber(-i) },
		"userdata": func(i int) LValue { return L.NewUserData() },
		"table":    func(i int) LValue { return newLTable(0, 0) },
	}
	for name, key := range kinds {
		t.Run(name, func(t *testing.T) {
			tb := L.NewTable()
			ring := make([]LValue, window)
			for i := 0; i < total; i++ {
				if old := ring[i%window]; old != nil {
					tb.RawSet(old, LNil)
				}
				k := key(i)
				ring[i%window] = k
				tb.RawSet(k, LNumber(i))
				if i%997 == 0 && !checkKeysBounded(t, tb, i) {
					return
				}
			}
			checkKeysBounded(t, tb, total)
			n := 0
			for k, v := tb.Next(LNil); k != LNil; k, v = tb.Next(k) {
				if int(v.(LNumber)) < total-window {
					t.Fatalf("stale key %v = %v", k, v)
				}
				n++
			}
			if n != window {
				t.Errorf("pairs visits %d keys, want %d", n, window)
			}
		})
	}
}

// The same churn from Lua, traversing the table now and then, as a
// module that keeps sessions by connection and walks them on a timer.
func TestTableChurnBoundedLua(t *testing.T) {
	L := NewState()
	defer L.Close()
	err := L.DoString(`
		pending = {}
		local ring = {}
		for i = 1, 200000 do
			local slot = i % 100
			if ring[slot] then pending[ring[slot]] = nil end
			local conn = newproxy()
			ring[slot] = conn
			pending[conn] = i
			if i % 1000 == 0 then
				local n = 0
				for k, v in pairs(pending) do n = n + 1 end
				assert(n == 100, n)
			end
		end`)
	if err != nil {
		t.Fatal(err)
	}
	checkKeysBounded(t, L.GetGlobal("pending").(*LTable), 200000)
}

// pairs still visits the live keys in the order they were first set
// after deleted keys are pruned; a key set again before a pruning keeps
// its place, as before.
func TestTableOrderAfterCompaction(t *testing.T) {
	L := NewState()
	defer L.Close()
	err := L.DoString(`
		local t, order = {}, {}
		for i = 1, 300 do t["k" .. i] = i end
		for i = 1, 300 do if i % 3 ~= 0 then t["k" .. i] = nil end end
		t.k2 = 2 -- set again before any pruning: keeps its place
		for i = 301, 320 do t["k" .. i] = i end -- new keys: prune
		t.k1 = 1 -- pruned before: goes last
		for k in pairs(t) do order[#order + 1] = k end
		result = table.concat(order, " ")`)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	want = append(want, "k2")
	for i := 3; i <= 300; i += 3 {
		want = append(want, fmt.Sprintf("k%d", i))
	}
	for i := 301; i <= 320; i++ {
		want = append(want, fmt.Sprintf("k%d", i))
	}
	want = append(want, "k1")
	if got := L.GetGlobal("result").String(); got != strings.Join(want, " ") {
		t.Errorf("pairs order\n got %s\nwant %s", got, strings.Join(want, " "))
	}
}

// Clearing fields during a traversal, which Lua 5.1 allows, visits each
// key once: all of them, half of them, and reading them meanwhile, over
// a table big enough that its deleted keys outnumber the live ones.
const clearInTraversal = `
local function fill(n)
	local t = {}
	for i = 1, n do t["s" .. i] = i; t[i + 0.5] = i; t[-i] = i end
	for i = 1, n do t[i] = i end
	return t
end
local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end

local t, n, sum = fill(2000), 0, 0
for k, v in pairs(t) do t[k] = nil; n = n + 1; sum = sum + v end
show("clear all", n, sum, count(t), next(t))

t, n, sum = fill(2000), 0, 0
for k, v in pairs(t) do
	n = n + 1
	if v % 2 == 0 then t[k] = nil else sum = sum + v end
end
show("clear half", n, count(t), sum)
n = 0
for k, v in pairs(t) do assert(v % 2 == 1); n = n + 1 end
show("half left", n)

t, n, sum = fill(2000), 0, 0
for k, v in pairs(t) do
	local before = t[k]
	t[k] = nil
	if before == v and t[k] == nil then n = n + 1 end
	if t["s1000"] then sum = sum + 1 end
end
show("clear and read", n, count(t), sum > 0)

t = {1, 2, 3, a = 1, b = 2}
n = 0
for k in pairs(t) do t[k] = nil; n = n + 1 end
show("array then hash", n, next(t))

t = fill(100)
local k = next(t)
while k do local nk = next(t, k); t[k] = nil; k = nk end
show("next after clear", count(t))

t = {}
for i = 1, 100 do t[i] = i end
for i = 100, 1, -1 do t[i] = nil end
show("stack emptied", #t, next(t))
for i = 1, 10 do t[#t + 1] = i end
t[1000] = nil
show("stack again", #t, t[10], t[11])
`

var clearInTraversalWant = []string{
	"clear all 8000 8004000 0 nil",
	"clear half 8000 4000 4000000",
	"half left 4000",
	"clear and read 8000 0 true",
	"array then hash 5 nil",
	"next after clear 0",
	"stack emptied 0 nil",
	"stack again 10 10 nil",
}

func TestTableClearInTraversal(t *testing.T) {
	checkShown(t, clearInTraversal, clearInTraversalWant)
	checkLua51(t, clearInTraversal, clearInTraversalWant, nil)
}

// next from a key the table never had ends the traversal (Lua 5.1
// raises "invalid key to 'next'"); v1.1.2 went on from the second key.
func TestTableNextMissingKey(t *testing.T) {
	tb := newLTable(0, 0)
	for _, k := range []string{"a", "b", "c"} {
		tb.RawSetString(k, LTrue)
	}
	tb.RawSetString("b", LNil)
	if k, v := tb.Next(LString("nope")); k != LNil || v != LNil {
		t.Errorf("Next(missing) = %v, %v; want nil, nil", k, v)
	}
	if k, _ := tb.Next(LString("b")); k != LString("c") {
		t.Errorf("Next(cleared b) = %v; want c", k)
	}
}

// The array part keeps no trailing nils: a stack popped with
// t[#t] = nil shrinks (and #t does not walk back over all the nils a deeper stack left),
// and clearing a missing index past the end makes no room for it.
func TestTableArrayShrinks(t *testing.T) {
	tb := newLTable(0, 0)
	const deep = 100000
	for i := 1; i <= deep; i++ {
		tb.RawSetInt(tb.Len()+1, LNumber(i))
	}
	for i := deep; i >= 1; i-- {
		if n := tb.Len(); n != i {
			t.Fatalf("#t = %d, want %d", n, i)
		}
		tb.RawSet(LNumber(tb.Len()), LNil)
	}
	if len(tb.array) != 0 || cap(tb.array) > 4*defaultArrayCap {
		t.Errorf("emptied stack: len %d cap %d", len(tb.array), cap(tb.array))
	}
	tb.RawSetInt(1000, LNil)
	tb.RawSet(LNumber(5000), LNil)
	if len(tb.array) != 0 {
		t.Errorf("t[1000] = nil grew the array to %d", len(tb.array))
	}
	tb.RawSetInt(3, LTrue)
	tb.RawSetInt(3, LNil)
	if len(tb.array) != 0 || tb.Len() != 0 || tb.MaxN() != 0 {
		t.Errorf("t[3] set and cleared: len %d", len(tb.array))
	}
}

// A table that held many keys and lost them gives their memory back
// when a new key is set, as Lua's rehash does.
func TestTableShrinksAfterMassDelete(t *testing.T) {
	tb := newLTable(0, 0)
	for i := 0; i < 100000; i++ {
		tb.RawSetString(fmt.Sprintf("k%d", i), LTrue)
		tb.RawSetH(LNumber(-i), LTrue)
	}
	for i := 0; i < 100000; i++ {
		tb.RawSetString(fmt.Sprintf("k%d", i), LNil)
		tb.RawSetH(LNumber(-i), LNil)
	}
	tb.RawSetString("new", LTrue)
	if len(tb.keys) != 1 || len(tb.k2i) != 1 || cap(tb.keys) > 2*minDeadKeys {
		t.Errorf("keys %d (cap %d), k2i %d; want 1", len(tb.keys), cap(tb.keys), len(tb.k2i))
	}
	if k, v := tb.Next(LNil); k != LString("new") || v != LTrue {
		t.Errorf("Next = %v, %v", k, v)
	}
}
