package lua

import "testing"

// TestCloneTable: a copy has the template's fields in the same order,
// replacing a field of the copy leaves the template alone, and fields
// added to the copy come after the copied ones.
func TestCloneTable(t *testing.T) {
	L := NewState()
	defer L.Close()
	tmpl := L.CreateTable(2, 3)
	tmpl.Append(LNumber(1))
	tmpl.RawSetString("a", LFalse)
	tmpl.RawSetString("b", LString("x"))
	tmpl.RawSetH(LNumber(1.5), LTrue)
	c := L.CloneTable(tmpl)
	c.RawSetString("a", LString("set"))
	c.RawSetString("z", LNumber(3))
	c.Append(LNumber(2))
	if tmpl.RawGetString("a") != LFalse || tmpl.RawGetString("z") != LNil || tmpl.Len() != 1 {
		t.Fatalf("the template changed: a=%v z=%v len=%d", tmpl.RawGetString("a"), tmpl.RawGetString("z"), tmpl.Len())
	}
	order := nextOrder(c)
	// The order a table built field by field the same way has.
	ref := L.CreateTable(2, 3)
	ref.Append(LNumber(1))
	ref.RawSetString("a", LString("set"))
	ref.RawSetString("b", LString("x"))
	ref.RawSetH(LNumber(1.5), LTrue)
	ref.RawSetString("z", LNumber(3))
	ref.Append(LNumber(2))
	want := nextOrder(ref)
	if len(order) != len(want) {
		t.Fatalf("fields %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("fields %v, want %v", order, want)
		}
	}
	if c.Metatable != LNil {
		t.Fatalf("the copy has a metatable")
	}
}

// nextOrder is the order pairs visits tb's fields in (Next; ForEach
// walks the Go maps, in no set order).
func nextOrder(tb *LTable) []string {
	var out []string
	for k, v := tb.Next(LNil); k != LNil; k, v = tb.Next(k) {
		out = append(out, k.String()+"="+v.String())
	}
	return out
}
