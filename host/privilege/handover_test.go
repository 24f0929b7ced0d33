package privilege

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

func TestHandOver(t *testing.T) {
	testenv.NeedRoot(t)
	dir := t.TempDir()
	log, missing := filepath.Join(dir, "moonport.log"), filepath.Join(dir, "nope")
	if err := os.WriteFile(log, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	id := Identity{User: "nobody", UID: 65534, GID: 65534}
	if errs := HandOver(id, log, missing); len(errs) > 0 {
		t.Fatal(errs)
	}
	fi, err := os.Stat(log)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 65534 || st.Gid != 65534 {
		t.Errorf("owner %d:%d, want 65534:65534", st.Uid, st.Gid)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a missing file was created: %v", err)
	}
}
