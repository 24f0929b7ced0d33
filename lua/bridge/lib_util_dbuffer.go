package bridge

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// util.dbuffer is Prosody 0.12's dynamic buffer, in Go: the strings
// written, kept as chunks (at most maxChunks; when full they are joined
// into one) of which the front one is read from front on. Reads see the
// chunk boundaries (read_chunk), so the chunks are kept as Prosody keeps
// them.

func init() { registerLibrary("util.dbuffer", openDbuffer) }

type dbuffer struct {
	chunks    []string
	front     int // bytes of chunks[0] already read
	length    int // bytes not read
	maxSize   int // 0: no limit
	maxChunks int
}

var dbufferMethods = map[string]lua.LGFunction{
	"write":      dbufWrite,
	"read_chunk": dbufReadChunk,
	"read":       dbufRead,
	"read_until": dbufReadUntil,
	"discard":    dbufDiscard,
	"sub":        dbufSub,
	"byte":       dbufByte,
	"length":     dbufLength,
	"len":        dbufLength,
	"collapse":   dbufCollapse,
}

// openDbuffer builds the library: new(max_size, max_chunks) makes buffers
// with the state's dbuffer metatable.
func openDbuffer(inst *Instance) lua.LValue {
	L := inst.L
	mt := L.NewTable()
	mt.RawSetString("__name", lua.LString("dbuffer"))
	mt.RawSetString("__index", L.SetFuncs(L.NewTable(), dbufferMethods))
	mt.RawSetString("__len", L.NewFunction(dbufLength))
	lib := L.NewTable()
	lib.RawSetString("new", L.NewClosure(dbufNew, mt))
	return lib
}

// dbufNew is new(max_size, max_chunks): nil for a max_size of zero or
// less; max_chunks defaults to 32.
func dbufNew(L *lua.LState) int {
	b := &dbuffer{maxSize: L.OptInt(1, 0), maxChunks: L.OptInt(2, 32)}
	if L.Get(1) != lua.LNil && b.maxSize <= 0 {
		L.Push(lua.LNil)
		return 1
	}
	ud := L.NewUserData()
	ud.Value = b
	L.SetMetatable(ud, L.Get(lua.UpvalueIndex(1)))
	L.Push(ud)
	return 1
}

func checkDbuffer(L *lua.LState) *dbuffer {
	b, ok := L.CheckUserData(1).Value.(*dbuffer)
	if !ok {
		L.ArgError(1, "dbuffer expected")
	}
	return b
}

// write appends data: false when it would pass maxSize, or when the chunks
// are full even after joining them.
func (b *dbuffer) write(data string) bool {
	if b.maxSize > 0 && len(data)+b.length > b.maxSize {
		return false
	}
	if len(b.chunks) >= b.maxChunks {
		b.collapse(b.length)
		if len(b.chunks) >= b.maxChunks {
			return false
		}
	}
	b.chunks = append(b.chunks, data)
	b.length += len(data)
	return true
}

// readChunk reads at most n bytes (n < 0: all) of the front chunk; ok is
// false when there is no chunk.
func (b *dbuffer) readChunk(n int) (chunk string, ok bool) {
	if len(b.chunks) == 0 {
		return "", false
	}
	first := b.chunks[0]
	rest := len(first) - b.front
	if n < 0 || rest <= n {
		chunk = first[b.front:]
		b.chunks[0] = ""
		b.chunks = b.chunks[1:]
		b.front = 0
		b.length -= rest
		return chunk, true
	}
	chunk = first[b.front : b.front+n]
	b.front += n
	b.length -= n
	return chunk, true
}

// read reads n bytes across chunks, or nothing (false) when fewer are
// there; keep false drops them.
func (b *dbuffer) read(n int, keep bool) (string, bool) {
	if n > b.length {
		return "", false
	}
	var out strings.Builder
	chunk, ok := b.readChunk(n)
	if !ok {
		return "", false
	}
	for {
		if keep {
			out.WriteString(chunk)
		}
		n -= len(chunk)
		if n <= 0 {
			return out.String(), true
		}
		if chunk, ok = b.readChunk(n); !ok {
			return out.String(), true
		}
	}
}

// collapse joins the front chunks until the first holds at least n
// unread bytes.
func (b *dbuffer) collapse(n int) {
	if len(b.chunks) == 0 || len(b.chunks[0])-b.front >= n {
		return
	}
	parts := []string{b.chunks[0][b.front:]}
	have, used := len(parts[0]), 1
	for have < n && used < len(b.chunks) {
		parts = append(parts, b.chunks[used])
		have += len(b.chunks[used])
		used++
	}
	b.chunks = append([]string{strings.Join(parts, "")}, b.chunks[used:]...)
	b.front = 0
}

func dbufWrite(L *lua.LState) int {
	if checkDbuffer(L).write(L.CheckString(2)) {
		L.Push(lua.LTrue)
	} else {
		L.Push(lua.LNil)
	}
	return 1
}

// dbufReadChunk is b:read_chunk(n): the next at most n bytes of the front
// chunk (the rest of it without n) and how many; nothing when empty.
func dbufReadChunk(L *lua.LState) int {
	chunk, ok := checkDbuffer(L).readChunk(L.OptInt(2, -1))
	if !ok {
		return 0
	}
	L.Push(lua.LString(chunk))
	L.Push(lua.LNumber(len(chunk)))
	return 2
}

// dbufRead is b:read(n): n bytes, or nil when fewer are there; without n
// the rest of the front chunk.
func dbufRead(L *lua.LState) int {
	b := checkDbuffer(L)
	if L.Get(2) == lua.LNil {
		chunk, ok := b.readChunk(-1)
		return pushStringOrNil(L, chunk, ok)
	}
	s, ok := b.read(L.CheckInt(2), true)
	return pushStringOrNil(L, s, ok)
}

func pushStringOrNil(L *lua.LState, s string, ok bool) int {
	if ok {
		L.Push(lua.LString(s))
	} else {
		L.Push(lua.LNil)
	}
	return 1
}

// dbufReadUntil is b:read_until(s): everything up to and with the first s
// found within one chunk, or nil.
func dbufReadUntil(L *lua.LState) int {
	b := checkDbuffer(L)
	sep := L.CheckString(2)
	before := 0
	for i, chunk := range b.chunks {
		start := 0
		if i == 0 {
			start = b.front
		}
		if at := strings.Index(chunk[start:], sep); at >= 0 {
			s, ok := b.read(before+at+1, true)
			return pushStringOrNil(L, s, ok)
		}
		before += len(chunk) - start
	}
	L.Push(lua.LNil)
	return 1
}

// dbufDiscard is b:discard(n): drop n bytes; nil when fewer are there.
func dbufDiscard(L *lua.LState) int {
	if _, ok := checkDbuffer(L).read(L.CheckInt(2), false); ok {
		L.Push(lua.LTrue)
	} else {
		L.Push(lua.LNil)
	}
	return 1
}

// span is the bytes i..j of the unread data (string.sub's rules for
// negatives and bounds) as offsets in the front chunk, after joining
// chunks so that it holds them; ok is false for an empty span.
func (b *dbuffer) span(i, j int) (int, int, bool) {
	if j < 0 {
		j = b.length + j + 1
	}
	if i < 0 {
		i = b.length + i + 1
	}
	i = max(i, 1)
	j = min(j, b.length)
	if i > j {
		return 0, 0, false
	}
	b.collapse(j)
	return i + b.front, j + b.front, true
}

// dbufSub is b:sub(i, j): as string.sub of the unread data, without
// reading it.
func dbufSub(L *lua.LState) int {
	b := checkDbuffer(L)
	i, j, ok := b.span(L.CheckInt(2), L.OptInt(3, -1))
	if !ok {
		L.Push(lua.LString(""))
		return 1
	}
	L.Push(lua.LString(b.chunks[0][i-1 : j]))
	return 1
}

// dbufByte is b:byte(i, j): as string.byte of the unread data.
func dbufByte(L *lua.LState) int {
	b := checkDbuffer(L)
	i := L.OptInt(2, 1)
	i, j, ok := b.span(i, L.OptInt(3, i))
	if !ok {
		return 0
	}
	for _, c := range []byte(b.chunks[0][i-1 : j]) {
		L.Push(lua.LNumber(c))
	}
	return j - i + 1
}

func dbufLength(L *lua.LState) int {
	L.Push(lua.LNumber(checkDbuffer(L).length))
	return 1
}

// dbufCollapse is b:collapse(n): join chunks so the front one holds n
// unread bytes (all without n).
func dbufCollapse(L *lua.LState) int {
	b := checkDbuffer(L)
	b.collapse(L.OptInt(2, b.length))
	return 0
}
