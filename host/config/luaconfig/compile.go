package luaconfig

import (
	"github.com/moonport/moonport/host/config"

	"bytes"
	"fmt"
	"reflect"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"

	"github.com/moonport/moonport/lua/luaval"
)

// maxCompileCost bounds the work of compiling one chunk, in gopher-lua's
// constant look-ups. gopher-lua finds each constant (a name, string or
// number) of a function by scanning the constants it has so far, so the
// work grows with the square of their number: a 500 KiB file of distinct
// assignments takes minutes, and nothing can interrupt it. At 4 to 8 ns a
// comparison, this bound (about 14000 distinct constants, each used once)
// keeps a chunk's compile under a second, far under the evaluation's time
// limit, while a hand-written config has a few hundred.
const maxCompileCost = 100_000_000

// compileChunk parses and compiles src, refusing beforehand what would
// take too long to compile.
func compileChunk(L *lua.LState, path string, src []byte) (*lua.LFunction, error) {
	chunk, err := parse.Parse(bytes.NewReader(src), path)
	if err != nil {
		return nil, configError(luaval.SyntaxMessage(path, err))
	}
	if cost, consts := compileCost(chunk); cost > maxCompileCost {
		return nil, &config.Error{Location: config.Location{File: path}, Message: fmt.Sprintf(
			"too big to compile within the %s limit: one function has %d different names, strings and numbers, and the time to compile grows with the square of that; split the file with Include", TimeLimit, consts)}
	}
	proto, err := lua.Compile(chunk, path)
	if err != nil {
		return nil, configError(luaval.SyntaxMessage(path, err))
	}
	return L.NewFunctionFromProto(proto), nil
}

// compileCost estimates, without recursion (a deeply nested expression
// must not exhaust the stack), how many constant comparisons compiling
// chunk makes, and the most constants one function has. It counts every
// name as a constant, locals too, so it errs on the safe side.
func compileCost(chunk []ast.Stmt) (cost int64, most int) {
	type item struct {
		v   reflect.Value
		pop bool // leaving a function
	}
	scopes := []map[string]int{{}}
	ref := func(key string) {
		m := scopes[len(scopes)-1]
		i, seen := m[key]
		if !seen {
			i = len(m)
			m[key] = i
			most = max(most, len(m))
		}
		cost += int64(i)
	}
	stack := []item{{v: reflect.ValueOf(chunk)}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.pop {
			scopes = scopes[:len(scopes)-1]
			continue
		}
		v := it.v
		switch v.Kind() {
		case reflect.Interface:
			if !v.IsNil() {
				stack = append(stack, item{v: v.Elem()})
			}
		case reflect.Pointer:
			if v.IsNil() || !v.CanInterface() {
				continue
			}
			switch n := v.Interface().(type) {
			case *ast.StringExpr:
				ref("s" + n.Value)
			case *ast.IdentExpr:
				ref("s" + n.Value)
			case *ast.NumberExpr:
				ref("n" + n.Value)
			case *ast.FuncCallExpr:
				if n.Method != "" {
					ref("s" + n.Method)
				}
			case *ast.FuncName:
				if n.Method != "" {
					ref("s" + n.Method)
				}
			case *ast.FunctionExpr:
				scopes = append(scopes, map[string]int{})
				stack = append(stack, item{pop: true})
			}
			stack = append(stack, item{v: v.Elem()})
		case reflect.Slice:
			for i := v.Len() - 1; i >= 0; i-- {
				stack = append(stack, item{v: v.Index(i)})
			}
		case reflect.Struct:
			for i := v.NumField() - 1; i >= 0; i-- {
				stack = append(stack, item{v: v.Field(i)})
			}
		}
	}
	return cost, most
}
