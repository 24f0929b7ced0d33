package bridge

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/datamanager"
	"github.com/moonport/moonport/host/storage"
	"github.com/moonport/moonport/host/value"
)

// Prosody's own mod_migrate_http_upload (prosody-modules) runs
// unchanged: its command moves mod_http_upload's files and list into
// mod_http_file_share's archive store "uploads" through
// core.storagemanager, a util.stanza request per file; the archive is
// then in Prosody's list file, as Prosody's own migration leaves it.
func TestMigrateHTTPUploadArchive(t *testing.T) {
	dir := t.TempDir()
	m := &datamanager.Manager{Dir: dir}
	legacy := &value.Table{Hash: map[any]any{"dir": "d1", "filename": "f.txt", "size": 5.0, "time": 1700000000.0}}
	if err := m.ListStore("alice", "a.example", "http_upload", []any{legacy}); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "http_upload", "d1", "f.txt")
	os.MkdirAll(filepath.Dir(src), 0o750)
	os.WriteFile(src, []byte("hello"), 0o640)

	inst, _, err := loadReal(t, "migrate_http_upload", fmt.Sprintf("data_path = %q", dir))
	if err != nil {
		t.Fatal(err)
	}
	var res []lua.LValue
	inst.call(func() {
		L := inst.L
		cmd := L.GetGlobal("module").(*lua.LTable).RawGetString("command")
		args := L.NewTable()
		args.Append(lua.LString("upload.example"))
		args.Append(lua.LString("a.example"))
		res, err = inst.protect("command", cmd, 1, args)
	})
	if err != nil || len(res) != 1 || res[0] != lua.LNumber(0) {
		t.Fatalf("command: %v %v", res, err)
	}
	a, _ := (&storage.Internal{Dir: func() string { return dir }}).OpenArchive("upload.example", "uploads")
	items, _, err := a.Find("", storage.NewQuery())
	if err != nil || len(items) != 1 {
		t.Fatalf("uploads: %v %v", items, err)
	}
	it := items[0]
	want := &value.Table{Hash: map[any]any{"name": "request", "attr": &value.Table{Hash: map[any]any{
		"xmlns": "urn:xmpp:http:upload:0", "filename": "f.txt", "size": "5"}}}}
	if it.Key != "d1" || it.When != 1700000000 || it.With != "alice@a.example" || value.Format(it.Value.(*storage.Stanza).Tree) != value.Format(want) {
		t.Errorf("item %#v %s", it, value.Format(it.Value.(*storage.Stanza).Tree))
	}
	if b, err := os.ReadFile(m.Path("d1", "upload.example", "http_file_share", "bin")); string(b) != "hello" {
		t.Errorf("moved file: %q %v", b, err)
	}
}
