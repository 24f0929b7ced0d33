package lua

const defaultArrayCap = 32
const defaultHashCap = 32

type lValueArraySorter struct {
	L      *LState
	Fn     *LFunction
	Values []LValue
}

func (lv lValueArraySorter) Len() int {
	return len(lv.Values)
}

func (lv lValueArraySorter) Swap(i, j int) {
	lv.Values[i], lv.Values[j] = lv.Values[j], lv.Values[i]
}

func (lv lValueArraySorter) Less(i, j int) bool {
	if lv.Fn != nil {
		lv.L.Push(lv.Fn)
		lv.L.Push(lv.Values[i])
		lv.L.Push(lv.Values[j])
		lv.L.Call(2, 1)
		return LVAsBool(lv.L.reg.Pop())
	}
	return lessThan(lv.L, lv.Values[i], lv.Values[j])
}

func newLTable(acap int, hcap int) *LTable {
	if acap < 0 {
		acap = 0
	}
	if hcap < 0 {
		hcap = 0
	}
	tb := &LTable{}
	tb.Metatable = LNil
	if acap != 0 {
		tb.array = make([]LValue, 0, acap)
	}
	if hcap != 0 {
		tb.strdict = make(map[string]LValue, hcap)
	}
	return tb
}

// Len returns length of this LTable without using __len.
func (tb *LTable) Len() int {
	if tb.array == nil {
		return 0
	}
	var prev LValue = LNil
	for i := len(tb.array) - 1; i >= 0; i-- {
		v := tb.array[i]
		if prev == LNil && v != LNil {
			return i + 1
		}
		prev = v
	}
	return 0
}

// Append appends a given LValue to this LTable.
func (tb *LTable) Append(value LValue) {
	if value == LNil {
		return
	}
	if tb.array == nil {
		tb.array = make([]LValue, 0, defaultArrayCap)
	}
	if len(tb.array) == 0 || tb.array[len(tb.array)-1] != LNil {
		tb.array = append(tb.array, value)
	} else {
		i := len(tb.array) - 2
		for ; i >= 0; i-- {
			if tb.array[i] != LNil {
				break
			}
		}
		tb.array[i+1] = value
	}
}

// Insert inserts a given LValue at position `i` in this table.
func (tb *LTable) Insert(i int, value LValue) {
	if tb.array == nil {
		tb.array = make([]LValue, 0, defaultArrayCap)
	}
	if i > len(tb.array) {
		tb.RawSetInt(i, value)
		return
	}
	if i <= 0 {
		tb.RawSet(LNumber(i), value)
		return
	}
	i -= 1
	tb.array = append(tb.array, LNil)
	copy(tb.array[i+1:], tb.array[i:])
	tb.array[i] = value
}

// MaxN returns a maximum number key that nil value does not exist before it.
func (tb *LTable) MaxN() int {
	if tb.array == nil {
		return 0
	}
	for i := len(tb.array) - 1; i >= 0; i-- {
		if tb.array[i] != LNil {
			return i + 1
		}
	}
	return 0
}

// Remove removes from this table the element at a given position.
func (tb *LTable) Remove(pos int) LValue {
	if tb.array == nil {
		return LNil
	}
	larray := len(tb.array)
	if larray == 0 {
		return LNil
	}
	i := pos - 1
	oldval := LNil
	switch {
	case i >= larray:
		// nothing to do
	case i == larray-1 || i < 0:
		oldval = tb.array[larray-1]
		tb.array = tb.array[:larray-1]
	default:
		oldval = tb.array[i]
		copy(tb.array[i:], tb.array[i+1:])
		tb.array[larray-1] = nil
		tb.array = tb.array[:larray-1]
	}
	return oldval
}

// RawSet sets a given LValue to a given index without the __newindex metamethod.
// It is recommended to use `RawSetString` or `RawSetInt` for performance
// if you already know the given LValue is a string or number.
func (tb *LTable) RawSet(key LValue, value LValue) {
	switch v := key.(type) {
	case LNumber:
		if isArrayKey(v) {
			if tb.array == nil {
				tb.array = make([]LValue, 0, defaultArrayCap)
			}
			if index := int(v) - 1; index < len(tb.array) && !isLNil(value) {
				tb.array[index] = value // the common case, without a call
			} else {
				tb.setArray(index, value)
			}
			return
		}
	case LString:
		tb.RawSetString(string(v), value)
		return
	}

	tb.RawSetH(key, value)
}

// RawSetInt sets a given LValue at a position `key` without the __newindex metamethod.
func (tb *LTable) RawSetInt(key int, value LValue) {
	if key < 1 || key >= MaxArrayIndex {
		tb.RawSetH(LNumber(key), value)
		return
	}
	if tb.array == nil {
		tb.array = make([]LValue, 0, 32)
	}
	if index := key - 1; index < len(tb.array) && !isLNil(value) {
		tb.array[index] = value // the common case, without a call
	} else {
		tb.setArray(index, value)
	}
}

// setArray sets the array part's element index (0-based), which is in
// range. moonport: the array part holds no trailing nils. Clearing past
// the end no longer appends nils (`t[1000] = nil` on an empty table made
// a slice of 1,000), and clearing the last element drops it and the nils
// before it, as Lua's rehash would. v1.1.2 kept them, so a stack that
// had once been a million deep scanned a million nils on every `#t`
// (Len walks back from the end) and kept their memory for good.
func (tb *LTable) setArray(index int, value LValue) {
	alen := len(tb.array)
	switch {
	case index < alen:
		tb.array[index] = value
		if index == alen-1 && isLNil(value) {
			tb.trimArray()
		}
	case isLNil(value):
		// nothing to clear
	case index == alen:
		tb.array = append(tb.array, value)
	default:
		for i := 0; i < (index - alen); i++ {
			tb.array = append(tb.array, LNil)
		}
		tb.array = append(tb.array, value)
	}
}

// isLNil reports whether v is nil with a type assertion, cheaper than
// comparing interfaces (v == LNil calls runtime.ifaceeq): LNil is the
// only *LNilType.
func isLNil(v LValue) bool {
	_, ok := v.(*LNilType)
	return ok
}

// trimArray drops the array part's trailing nils, and gives back its
// memory when less than a quarter of it is used.
func (tb *LTable) trimArray() {
	n := len(tb.array)
	for n > 0 && isLNil(tb.array[n-1]) {
		n--
	}
	if c := cap(tb.array); c > 4*defaultArrayCap && n < c/4 {
		tb.array = append(make([]LValue, 0, 2*n), tb.array[:n]...)
		return
	}
	tb.array = tb.array[:n]
}

// RawSetString sets a given LValue to a given string index without the __newindex metamethod.
func (tb *LTable) RawSetString(key string, value LValue) {
	if tb.strdict == nil {
		// moonport: no size hint (it was defaultHashCap, 32): the map
		// grows as the table does, and a table with a field or two no
		// longer allocates room for 32.
		tb.strdict = make(map[string]LValue)
	}
	if value == LNil {
		tb.indexBeforeDelete()
		delete(tb.strdict, key) // its slot in keys stays: see compactKeys
		return
	}
	// moonport: a key in strdict is in keys (and k2i) too: only keys no
	// longer in the table are pruned from them. Updating a field skips
	// boxing the key and looking it up in k2i, an allocation and an
	// interface-keyed map access.
	if _, ok := tb.strdict[key]; ok {
		tb.strdict[key] = value
		return
	}
	tb.strdict[key] = value
	k := LValue(LString(key))
	if tb.k2i != nil {
		if _, ok := tb.k2i[k]; ok {
			return // set again after a deletion: see addKey
		}
	}
	tb.addKey(k)
}

// RawSetH sets a given LValue to a given index without the __newindex metamethod.
func (tb *LTable) RawSetH(key LValue, value LValue) {
	if s, ok := key.(LString); ok {
		tb.RawSetString(string(s), value)
		return
	}
	if tb.dict == nil {
		tb.dict = make(map[LValue]LValue, len(tb.strdict))
	}
	if value == LNil {
		tb.indexBeforeDelete()
		delete(tb.dict, key) // its slot in keys stays: see compactKeys
		return
	}
	if tb.k2i == nil {
		if _, ok := tb.dict[key]; ok { // see addKey
			tb.dict[key] = value
			return
		}
	}
	tb.dict[key] = value
	if tb.k2i != nil {
		if _, ok := tb.k2i[key]; ok {
			return // set again after a deletion: see addKey
		}
	}
	tb.addKey(key)
}

// moonport: keys is the order in which Next visits the hash part (the
// order keys were first set, as in v1.1.2) and k2i the position of each
// key in it. k2i is built only when needed: by the first Next, or by the
// first deletion (a deleted key stays in keys, so setting it again must
// find it there). Until then keys holds each key once and only keys not
// yet in the table are set through addKey, so a table that is filled
// and read but never iterated or deleted from (an event, its headers, an
// object) has no k2i map and no k2i access per new key.

// addKey records key, just set in the table and not in keys, in keys
// (and k2i if it is built), first pruning the deleted keys if they are
// many. Its callers look key up in k2i first, inline: a key set again
// after a deletion is still there, and keeps its place.
func (tb *LTable) addKey(key LValue) {
	if tb.k2i != nil {
		if live := len(tb.strdict) + len(tb.dict); len(tb.keys)-live >= max(live, minDeadKeys) {
			tb.compactKeys(live)
		}
		tb.k2i[key] = len(tb.keys)
	}
	tb.keys = append(tb.keys, key)
}

// minDeadKeys is how many deleted keys a table may keep in keys before
// they are pruned, however few keys it has (see compactKeys).
const minDeadKeys = 16

// compactKeys drops from keys and k2i the keys deleted from the table
// (moonport; v1.1.2 never did): a module table keyed by connections
// (`pending[conn] = data` ... `pending[conn] = nil`) otherwise keeps
// every key it ever had, and its traversals slow down with them. live
// keys keep their order. A deleted key must stay while a traversal may
// still pass it to next, which Lua 5.1 allows: a program may clear
// fields during a traversal but not set new ones (the result is
// undefined; Lua itself drops deleted keys when a new key makes it
// rehash, and next then raises "invalid key to 'next'"). So keys are
// pruned only when a new key is set, once the deleted outnumber the live
// (and minDeadKeys): each pruning walks keys, whose length is more than
// twice the live keys, and is paid for by the deletions since the last
// one, a constant amount of work per deletion.
func (tb *LTable) compactKeys(live int) {
	dead := len(tb.keys) - live
	shrink := dead >= 4*live+minDeadKeys
	old, keys := tb.keys, tb.keys[:0] // filtered in place: each slot is read before it is written
	if shrink {
		// Go maps never shrink, nor does a slice: a table that held many
		// more keys than it holds now gives their memory back.
		keys = make([]LValue, 0, live+max(live/2, minDeadKeys))
		tb.k2i = make(map[LValue]int, cap(keys))
		tb.strdict = copyMap(tb.strdict)
		tb.dict = copyMap(tb.dict)
	} else {
		clear(tb.k2i) // keeps its room, which the next keys will fill
	}
	for _, k := range old {
		if !isLNil(tb.RawGetH(k)) {
			tb.k2i[k] = len(keys)
			keys = append(keys, k)
		}
	}
	if !shrink {
		clear(old[len(keys):]) // the deleted keys may be collected
	}
	tb.keys = keys
}

// copyMap returns a copy of m sized for its entries, or nil for nil.
func copyMap[K comparable](m map[K]LValue) map[K]LValue {
	if m == nil {
		return nil
	}
	c := make(map[K]LValue, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// indexBeforeDelete builds k2i before the first deletion (see addKey).
func (tb *LTable) indexBeforeDelete() {
	if tb.k2i == nil && len(tb.keys) > 0 {
		tb.keyIndex()
	}
}

// keyIndex builds k2i from keys, which holds no key twice until then.
func (tb *LTable) keyIndex() {
	tb.k2i = make(map[LValue]int, len(tb.keys))
	for i, k := range tb.keys {
		tb.k2i[k] = i
	}
}

// RawGet returns an LValue associated with a given key without __index metamethod.
func (tb *LTable) RawGet(key LValue) LValue {
	switch v := key.(type) {
	case LNumber:
		if isArrayKey(v) {
			if tb.array == nil {
				return LNil
			}
			index := int(v) - 1
			if index >= len(tb.array) {
				return LNil
			}
			return tb.array[index]
		}
	case LString:
		if tb.strdict == nil {
			return LNil
		}
		if ret, ok := tb.strdict[string(v)]; ok {
			return ret
		}
		return LNil
	}
	if tb.dict == nil {
		return LNil
	}
	if v, ok := tb.dict[key]; ok {
		return v
	}
	return LNil
}

// RawGetInt returns an LValue at position `key` without __index metamethod.
func (tb *LTable) RawGetInt(key int) LValue {
	if tb.array == nil {
		return LNil
	}
	index := int(key) - 1
	if index >= len(tb.array) || index < 0 {
		return LNil
	}
	return tb.array[index]
}

// RawGet returns an LValue associated with a given key without __index metamethod.
func (tb *LTable) RawGetH(key LValue) LValue {
	if s, sok := key.(LString); sok {
		if tb.strdict == nil {
			return LNil
		}
		if v, vok := tb.strdict[string(s)]; vok {
			return v
		}
		return LNil
	}
	if tb.dict == nil {
		return LNil
	}
	if v, ok := tb.dict[key]; ok {
		return v
	}
	return LNil
}

// RawGetString returns an LValue associated with a given key without __index metamethod.
func (tb *LTable) RawGetString(key string) LValue {
	if tb.strdict == nil {
		return LNil
	}
	if v, vok := tb.strdict[string(key)]; vok {
		return v
	}
	return LNil
}

// ForEach iterates over this table of elements, yielding each in turn to a given function.
func (tb *LTable) ForEach(cb func(LValue, LValue)) {
	if tb.array != nil {
		for i, v := range tb.array {
			if v != LNil {
				cb(LNumber(i+1), v)
			}
		}
	}
	if tb.strdict != nil {
		for k, v := range tb.strdict {
			if v != LNil {
				cb(LString(k), v)
			}
		}
	}
	if tb.dict != nil {
		for k, v := range tb.dict {
			if v != LNil {
				cb(k, v)
			}
		}
	}
}

// This function is equivalent to lua_next ( http://www.lua.org/manual/5.1/manual.html#lua_next ).
func (tb *LTable) Next(key LValue) (LValue, LValue) {
	k, v, _ := tb.next(key)
	return k, v
}

// next is Next, with found false when key is not in the table (moonport:
// baseNext and pairsaux raise Lua 5.1's "invalid key to 'next'" then;
// Next, for Go callers, ends the traversal as before).
func (tb *LTable) next(key LValue) (k, v LValue, found bool) {
	if tb.k2i == nil && len(tb.keys) > 0 {
		tb.keyIndex() // moonport: see addKey
	}
	init := false
	if key == LNil {
		key = LNumber(0)
		init = true
	}

	if init || key != LNumber(0) {
		if kv, ok := key.(LNumber); ok && isInteger(kv) && int(kv) >= 0 && kv < LNumber(MaxArrayIndex) {
			index := int(kv)
			if tb.array != nil {
				for ; index < len(tb.array); index++ {
					if v := tb.array[index]; v != LNil {
						return LNumber(index + 1), v, true
					}
				}
			}
			// moonport: >=, not ==: clearing the last element during a
			// traversal drops it (setArray), and next from it goes on with
			// the hash part.
			if tb.array == nil || index >= len(tb.array) {
				if (tb.dict == nil || len(tb.dict) == 0) && (tb.strdict == nil || len(tb.strdict) == 0) {
					return LNil, LNil, true
				}
				key = tb.keys[0]
				if v := tb.RawGetH(key); v != LNil {
					return key, v, true
				}
			}
		}
	}

	// moonport: a key not in keys is not found (next raises, Next ends
	// the traversal). v1.1.2 went on from the second key (a missing key's
	// index read as 0), which after compactKeys could visit the keys all
	// over again.
	at, ok := tb.k2i[key]
	if !ok {
		return LNil, LNil, false
	}
	for i := at + 1; i < len(tb.keys); i++ {
		key := tb.keys[i]
		if v := tb.RawGetH(key); v != LNil {
			return key, v, true
		}
	}
	return LNil, LNil, true
}
