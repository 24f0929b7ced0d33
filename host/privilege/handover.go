package privilege

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// HandOver gives id the files the process will still write or open again
// once it runs as id — log files (reopened by SIGUSR1 and reloads), the
// pidfile (written by an upgraded process), the console cookie — while
// it is still root and may chown them. Files that do not exist are left
// alone: the caller creates what it needs first. It reports each file it
// could not hand over and goes on with the rest.
func HandOver(id Identity, paths ...string) []error {
	var errs []error
	for _, p := range paths {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == id.UID {
			continue
		}
		if err := os.Chown(p, id.UID, id.GID); err != nil {
			errs = append(errs, fmt.Errorf("%s stays owned by another user, so %s cannot write or reopen it after the drop "+
				"(chown %s %s, or give moonport CAP_CHOWN): %w", p, id.User, id.User, p, err))
		}
	}
	return errs
}
