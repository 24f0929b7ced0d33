package lua

import "maps"

// moonport: CloneTable is a new table with tb's fields (a shallow copy,
// without tb's metatable), in the same iteration order. moonport makes
// several small tables of the same shape per HTTP request (a proxy's
// metatable, an event): copying a template costs a table, a map and a
// key slice, where setting each field anew boxes every key and grows the
// key slice step by step. Setting a field the copy already has (a
// placeholder in the template) replaces its value without either.
func (ls *LState) CloneTable(tb *LTable) *LTable {
	nt := &LTable{Metatable: LNil}
	if tb.array != nil {
		nt.array = append(make([]LValue, 0, cap(tb.array)), tb.array...)
	}
	if tb.dict != nil {
		nt.dict = maps.Clone(tb.dict)
	}
	if tb.strdict != nil {
		nt.strdict = maps.Clone(tb.strdict)
	}
	if tb.keys != nil {
		nt.keys = append(make([]LValue, 0, len(tb.keys)), tb.keys...)
	}
	if tb.k2i != nil {
		nt.k2i = maps.Clone(tb.k2i)
	}
	return nt
}
