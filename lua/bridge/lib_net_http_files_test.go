package bridge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const httpFilesModule = `
local server = require "net.http.server"
local files = require "net.http.files"
local serve = files.serve({ path = FILES_DIR, mime_map = { txt = "text/plain", html = "text/html" } })
local listing = files.serve({ path = FILES_DIR, directory_index = true, index_files = {} })
-- As Prosody's mod_http calls a "GET /files/*" route: the rest of the path.
module:hook_object_event(server, "GET /files/*", function(event) return serve(event, event.request.path:sub(#"/files/*")) end)
module:hook_object_event(server, "GET /list/*", function(event) return listing(event, event.request.path:sub(#"/list/*")) end)
module:hook_object_event(server, "directory-index", function(event) return "index of " .. event.path end)
`

// net.http.files serves a folder as Prosody's: type by extension,
// Last-Modified and ETag, 304 for either validator, a folder redirected
// to its "/", its index file, a listing through "directory-index", 404,
// and 400 for a path that climbs out.
func TestNetHTTPFiles(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "a.txt"), []byte("alpha"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "raw.bin"), []byte("bin"), 0o644))
	must(os.MkdirAll(filepath.Join(dir, "sub", "empty"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "sub", "index.html"), []byte("<p>sub</p>"), 0o644))
	src := strings.ReplaceAll(httpFilesModule, "FILES_DIR", "\""+dir+"\"")
	tr := newTestRuntime(t, "", map[string]string{"files": src})
	tr.load(t, "files")
	s := tr.Runtime.httpSrv
	got := serveOne(t, s, "GET", "/files/a.txt", nil)
	fi, _ := os.Stat(filepath.Join(dir, "a.txt"))
	lm := fi.ModTime().UTC().Format(time.RFC1123)
	lm = strings.Replace(lm, "UTC", "GMT", 1)
	if got.Status != 200 || string(got.Body) != "alpha" || got.Headers["content-type"] != "text/plain" ||
		got.Headers["last-modified"] != lm || !strings.HasPrefix(got.Headers["etag"], `"`) || got.Headers["content-length"] != "5" {
		t.Fatalf("a file: %d %q %v (want last-modified %s)", got.Status, got.Body, got.Headers, lm)
	}
	etag := got.Headers["etag"]
	cases := []struct {
		path    string
		headers map[string]string
		status  int
		body    string
		header  string
		value   string
	}{
		{"/files/a.txt", map[string]string{"if-none-match": etag}, 304, "", "etag", etag},
		{"/files/a.txt", map[string]string{"if-modified-since": lm}, 304, "", "last-modified", lm},
		{"/files/a.txt", map[string]string{"if-none-match": `"other"`, "if-modified-since": lm}, 200, "alpha", "", ""},
		{"/files/raw.bin", nil, 200, "bin", "content-type", ""},
		{"/files/sub", nil, 301, "", "location", "/files/sub/"},
		{"/files/sub/", nil, 200, "<p>sub</p>", "content-type", "text/html"},
		{"/files/missing", nil, 404, "", "", ""},
		{"/files/sub/empty/", nil, 403, "", "", ""},
		{"/list/sub/empty/", nil, 200, "index of /list/sub/empty/", "content-type", "text/html"},
		{"/files/%2e%2e/x", nil, 400, "", "", ""},
	}
	for _, c := range cases {
		got := serveOne(t, s, "GET", c.path, c.headers)
		if got.Status != c.status || (c.body != "" && string(got.Body) != c.body) || (c.header != "" && got.Headers[c.header] != c.value) {
			t.Errorf("GET %s %v: %d %q %v", c.path, c.headers, got.Status, got.Body, got.Headers)
		}
	}
}
