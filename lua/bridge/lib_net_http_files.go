package bridge

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// net.http.files: serve(opts) makes a route handler that serves the files
// under opts.path as Prosody's does: Last-Modified and an ETag made of the
// file's change time, size and modification time; 304 for a matching
// If-None-Match (or, without one, If-Modified-Since); a folder asked
// without its final "/" redirected (301) to it; index_files tried in a
// folder, else the "directory-index" event when opts.directory_index,
// else 403; the Content-Type from opts.mime_map by extension (a map's
// __index is honoured, so mod_http_files' mime.types lookup works);
// ".." above the root and NUL in a name refused with 400. Files are
// read whole per request: Prosody's small-file cache (cache_size,
// cache_max_file_size) is accepted and not kept.

func init() {
	registerLibrary("net.http.files", funcsLibrary(map[string]lua.LGFunction{"serve": httpFilesServe}))
}

// fileServer is one serve(opts).
type fileServer struct {
	base     string
	noBase   bool // opts.path was nil: serving fails, as in Prosody
	indices  []string
	dirIndex bool
	mime     lua.LValue // a table in the state that made it, or nil
}

func httpFilesServe(L *lua.LState) int {
	opts, ok := L.Get(1).(*lua.LTable)
	if !ok {
		opts = L.NewTable()
		opts.RawSetString("path", lua.LString(L.CheckString(1)))
	}
	fs := &fileServer{base: lua.LVAsString(opts.RawGetString("path")), noBase: opts.RawGetString("path") == lua.LNil, indices: []string{"index.html", "index.htm"},
		dirIndex: lua.LVAsBool(opts.RawGetString("directory_index")), mime: opts.RawGetString("mime_map")}
	if idx, ok := opts.RawGetString("index_files").(*lua.LTable); ok {
		fs.indices = nil
		for i := 1; i <= idx.Len(); i++ {
			fs.indices = append(fs.indices, lua.LVAsString(idx.RawGetInt(i)))
		}
	}
	if fs.mime == lua.LNil {
		m := L.NewTable()
		m.RawSetString("html", lua.LString("text/html"))
		fs.mime = m
	}
	inst := instanceOf(L)
	L.Push(L.NewFunction(func(L *lua.LState) int {
		res := fs.serveFile(L, inst, L.Get(1), L.Get(2))
		L.Push(res)
		return 1
	}))
	return 1
}

// sanitizePath is Prosody's: each component %-decoded, "." dropped, ".."
// taking one off (none to take: refused), "/" or NUL in a component
// refused; a final "/" kept.
func sanitizePath(path string) (string, bool) {
	var out []string
	for _, c := range strings.Split(path, "/") {
		if c == "" {
			continue
		}
		c = percentDecode(c)
		switch {
		case strings.ContainsAny(c, "/\x00"):
			return "", false
		case c == "..":
			if len(out) == 0 {
				return "", false
			}
			out = out[:len(out)-1]
		case c != ".":
			out = append(out, c)
		}
	}
	if strings.HasSuffix(path, "/") {
		out = append(out, "")
	}
	return "/" + strings.Join(out, "/"), true
}

// serveFile answers one request; path is what the route's "*" matched.
func (fs *fileServer) serveFile(L *lua.LState, inst *Instance, event, pathArg lua.LValue) lua.LValue {
	reqObj, _ := portableOf(L, L.GetField(event, "request"))
	respObj, _ := portableOf(L, L.GetField(event, "response"))
	req, _ := reqObj.(*record)
	resp, _ := respObj.(*record)
	if req == nil || resp == nil {
		L.RaiseError("net.http.files: the event has no request or response")
	}
	if fs.noBase { // Prosody's fails concatenating its nil base path
		L.RaiseError("net.http.files: no folder to serve files from (opts.path is nil)")
	}
	path := ""
	if s, ok := pathArg.(lua.LString); ok {
		clean, ok := sanitizePath(string(s))
		if !ok {
			return lua.LNumber(400)
		}
		path = clean
	}
	orig, _ := sanitizePath(req.str("path"))
	full := fs.base + path
	var st unix.Stat_t
	if err := unix.Stat(strings.TrimRight(full, "/"), &st); err != nil {
		return lua.LNumber(404)
	}
	headers, _ := resp.get("headers").(*record)
	reqHeaders, _ := req.get("headers").(*record)
	if headers == nil || reqHeaders == nil {
		L.RaiseError("net.http.files: the request or response has no headers")
	}
	lastModified := time.Unix(st.Mtim.Sec, 0).UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	etag := fmt.Sprintf(`"%x-%x-%x"`, st.Ctim.Sec, st.Size, st.Mtim.Sec)
	headers.set("last_modified", lastModified)
	headers.set("etag", etag)
	inm, hasINM := reqHeaders.get("if_none_match").(string)
	if inm == etag || (!hasINM && reqHeaders.str("if_modified_since") == lastModified) {
		return lua.LNumber(304)
	}
	var data string
	if st.Mode&unix.S_IFMT == unix.S_IFDIR && pathArg != lua.LNil {
		if !strings.HasSuffix(full, "/") {
			headers.set("location", dirLocation(orig))
			return lua.LNumber(301)
		}
		for _, idx := range fs.indices {
			if fi, err := os.Stat(full + idx); err == nil && fi.Mode().IsRegular() {
				return fs.serveFile(L, inst, event, lua.LString(path+idx))
			}
		}
		if fs.dirIndex {
			ev := &httpEvent{fields: map[string]any{"path": req.str("path"), "full_path": full}}
			res, err := httpFiring{events: inst.rt.httpSrv.events, held: inst}.fire("directory-index", ev)
			if err != nil {
				L.RaiseError("%v", err)
			}
			data, _ = res.(string)
		}
		if data == "" {
			return lua.LNumber(403)
		}
		headers.set("content_type", fromLuaIn(inst, L.GetField(fs.mime, "html")))
	} else {
		b, err := os.ReadFile(full)
		if err != nil {
			return lua.LNumber(403)
		}
		data = string(b)
		if ext := fileExtension(full); ext != "" {
			headers.set("content_type", fromLuaIn(inst, L.GetField(fs.mime, ext)))
		}
	}
	resp.owner.(*httpExchange).finish(&data)
	return lua.LTrue
}

// fileExtension is what follows the last "." of the last name, if any.
func fileExtension(path string) string {
	name := path[strings.LastIndexByte(path, '/')+1:]
	if i := strings.LastIndexByte(name, '.'); i >= 0 && i < len(name)-1 {
		return name[i+1:]
	}
	return ""
}

// dirLocation is a folder's path with a final "/", its names escaped as
// URL path segments.
func dirLocation(path string) string {
	var b strings.Builder
	for _, c := range strings.Split(path, "/") {
		if c != "" {
			b.WriteString("/" + url.PathEscape(c))
		}
	}
	return b.String() + "/"
}
