package luaval

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/value"
)

// eval runs a chunk in a fresh state and returns its first result.
func eval(t *testing.T, L *lua.LState, chunk string) lua.LValue {
	t.Helper()
	if err := L.DoString(chunk); err != nil {
		t.Fatal(err)
	}
	v := L.Get(-1)
	L.Pop(1)
	return v
}

// A value copied out of one state, into another and out again is the
// same; array and hash parts land where Lua would put them.
func TestRoundTrip(t *testing.T) {
	L1, L2 := lua.NewState(), lua.NewState()
	defer L1.Close()
	defer L2.Close()
	v := eval(t, L1, `return { 1, "two", true, { nested = { 3 } }, x = 1.5, ["with space"] = false }`)
	g, err := ToGo(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{ 1, "two", true, { nested = { 3 } }, ["with space"] = false, x = 1.5 }`
	if got := value.Format(g); got != want {
		t.Errorf("ToGo: %s\nwant %s", got, want)
	}
	again, err := ToGo(ToLua(L2, g))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, again) {
		t.Errorf("round trip: %s, then %s", value.Format(g), value.Format(again))
	}
	// A list with holes keeps its items where they were.
	g, err = ToGo(eval(t, L1, `return { 1, 2, nil, 4, [10] = "ten" }`))
	if err != nil {
		t.Fatal(err)
	}
	back := ToLua(L2, g).(*lua.LTable)
	for i, want := range map[int]lua.LValue{1: lua.LNumber(1), 3: lua.LNil, 4: lua.LNumber(4), 9: lua.LNil, 10: lua.LString("ten")} {
		if got := back.RawGetInt(i); got != want {
			t.Errorf("a list with holes: [%d] = %v after a round trip, want %v", i, got, want)
		}
	}
	for _, s := range []any{nil, true, false, 0.0, -2.5, "", "text"} {
		back, err := ToGo(ToLua(L2, s))
		if err != nil || back != s {
			t.Errorf("%#v came back as %#v (%v)", s, back, err)
		}
	}
}

// Go conveniences: int and []string become a number and a list; other
// Go values their printed form.
func TestToLuaConveniences(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if v := ToLua(L, 7); v != lua.LNumber(7) {
		t.Errorf("int: %v", v)
	}
	g, _ := ToGo(ToLua(L, []string{"a", "b"}))
	if got := value.Format(g); got != `{ "a", "b" }` {
		t.Errorf("[]string: %s", got)
	}
	if v := ToLua(L, struct{ A int }{3}); v != lua.LString("{3}") {
		t.Errorf("a struct: %v", v)
	}
}

// A table nested 64 levels below the top copies; one more level, as a
// cycle would make, is an error rather than a stack overflow.
func TestDepthLimitAndCycles(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	nest := `local t = {} for i = 2, %s do t = { t } end return t`
	if _, err := ToGo(eval(t, L, strings.Replace(nest, "%s", "65", 1))); err != nil {
		t.Errorf("65 tables deep: %v", err)
	}
	_, err := ToGo(eval(t, L, strings.Replace(nest, "%s", "66", 1)))
	if err == nil || !strings.Contains(err.Error(), "64 levels") {
		t.Errorf("66 tables deep: %v", err)
	}
	_, err = ToGo(eval(t, L, `local t = {} t.self = t return t`))
	if err == nil || !strings.Contains(err.Error(), "a cycle?") {
		t.Errorf("a cycle: %v", err)
	}
}

// Functions, threads and userdata cannot leave their state, wherever
// they sit in a table; tables cannot be keys.
func TestValuesThatCannotLeaveAState(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	for chunk, kind := range map[string]string{
		`return print`:                            "function",
		`return function() end`:                   "function",
		`return { 1, { f = function() end } }`:    "function",
		`return { [function() end] = 1 }`:         "function",
		`return coroutine.create(function() end)`: "thread",
	} {
		_, err := ToGo(eval(t, L, chunk))
		var ef *ErrFunction
		if !errors.As(err, &ef) || ef.Kind != kind {
			t.Errorf("%s: %v, want an ErrFunction for a %s", chunk, err, kind)
		}
	}
	ud := L.NewUserData()
	ud.Value = 42
	var ef *ErrFunction
	if _, err := ToGo(ud); !errors.As(err, &ef) || ef.Kind != "userdata" {
		t.Errorf("userdata: %v", err)
	}
	if _, err := ToGo(eval(t, L, `return { [{}] = 1 }`)); err == nil || !strings.Contains(err.Error(), "keys") {
		t.Errorf("a table as a key: %v", err)
	}
}

type handle struct{ id uint64 }

func (h handle) Ref() Ref { return Ref{Kind: "handle", ID: h.id} }

// A Referable userdata travels as a Ref, which ToLuaWith resolves and
// ToLua drops.
func TestRefs(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	ud := L.NewUserData()
	ud.Value = handle{7}
	tab := L.NewTable()
	tab.RawSetString("h", ud)
	g, err := ToGo(tab)
	if err != nil {
		t.Fatal(err)
	}
	if r := g.(*value.Table).Field("h"); r != (Ref{Kind: "handle", ID: 7}) {
		t.Fatalf("ToGo: %#v", r)
	}
	resolved := ToLuaWith(L, g, func(r Ref) lua.LValue { return lua.LString(r.Kind) }).(*lua.LTable)
	if v := resolved.RawGetString("h"); v != lua.LString("handle") {
		t.Errorf("ToLuaWith: %v", v)
	}
	if v := ToLua(L, g).(*lua.LTable).RawGetString("h"); v != lua.LNil {
		t.Errorf("ToLua kept a Ref: %v", v)
	}
	// In a list, a Ref that resolves to nothing is left out.
	list := &value.Table{Array: []any{"a", Ref{Kind: "handle", ID: 1}, "b"}}
	if got := ToLua(L, list).(*lua.LTable); got.Len() != 2 || got.RawGetInt(2) != lua.LString("b") {
		t.Errorf("a list with a dropped Ref: len %d, [2] = %v", got.Len(), got.RawGetInt(2))
	}
}

func TestSyntaxMessage(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	_, err := L.LoadString("x = 1\ny = = 2\n")
	if err == nil {
		t.Fatal("no syntax error")
	}
	if got := SyntaxMessage("<string>", err); !strings.HasPrefix(got, "<string>:2: syntax error: ") {
		t.Errorf("SyntaxMessage: %q", got)
	}
}

// A table met twice is copied twice, and metatables are left behind (the
// package comment's comparison with the copy between live states).
func TestSharingAndMetatablesNotKept(t *testing.T) {
	L1, L2 := lua.NewState(), lua.NewState()
	defer L1.Close()
	defer L2.Close()
	g, err := ToGo(eval(t, L1, `local s = setmetatable({ 1 }, { __index = function() return "mt" end }) return { a = s, b = s }`))
	if err != nil {
		t.Fatal(err)
	}
	back := ToLua(L2, g).(*lua.LTable)
	a, b := back.RawGetString("a").(*lua.LTable), back.RawGetString("b").(*lua.LTable)
	if a == b {
		t.Error("one table met twice came back as one table")
	}
	if L2.GetMetatable(a) != lua.LNil || L2.GetField(a, "x") != lua.LNil {
		t.Errorf("the metatable came along: %v", L2.GetMetatable(a))
	}
}
