package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/moonport/moonport/host/core"
	"github.com/moonport/moonport/host/privilege"
)

// rootWarning is logged once per process, though dropRoot runs again
// after every SIGHUP.
var rootWarning sync.Once

// dropRoot becomes prosody_user/prosody_group once the ports are bound,
// keeping only the right to bind ports below 1024 (for reloads). The
// files the process writes or reopens later (logs, pidfile, console
// cookie) are handed to that user first, while root may still create and
// chown them. Without prosody_user it becomes the user "prosody" if there
// is one, as Prosody's switch_user does; root with nobody to become is
// refused unless run_as_root = true.
func dropRoot(h *core.Host, log logrus.FieldLogger, pidfile string) int {
	if os.Geteuid() != 0 {
		return exitOK
	}
	opts := h.Config().Options
	userName, groupName := opts.ProsodyUser, opts.ProsodyGroup
	if userName == "" {
		if opts.RunAsRoot {
			rootWarning.Do(func() {
				log.Warn("Running as root (run_as_root = true); set prosody_user to drop privileges after binding")
			})
			return exitOK
		}
		if !privilege.Exists(privilege.DefaultUser) {
			log.Errorf("Refusing to run as root: set prosody_user = \"…\" (and prosody_group) to drop privileges after binding, or run_as_root = true (there is no user %q to switch to, as Prosody would)", privilege.DefaultUser)
			return exitPrivilege
		}
		// Prosody's default: the user prosody, and the group of the same
		// name unless prosody_group says otherwise.
		userName = privilege.DefaultUser
		if groupName == "" {
			groupName = privilege.DefaultUser
		}
		log.Infof("Running as root without prosody_user: switching to the user %q, as Prosody does", userName)
	}
	id, err := privilege.Lookup(userName, groupName)
	if err != nil {
		log.Errorf("Cannot drop privileges: %v", err)
		return exitPrivilege
	}
	handOver(h, log, id, pidfile)
	binder, err := privilege.Drop(id)
	if err != nil {
		log.Errorf("Cannot drop privileges: %v", err)
		return exitPrivilege
	}
	h.Pool.SetBinder(binder.Run)
	log.Infof("Now running as %s (uid %d, gid %d), keeping CAP_NET_BIND_SERVICE for binds", userName, os.Getuid(), os.Getgid())
	return exitOK
}

// handOver makes the files written after the drop the user's. A file it
// cannot hand over is a warning: the server runs, and what needs the file
// (log reopening, reload, upgrade, the console) fails later with the same
// reason.
func handOver(h *core.Host, log logrus.FieldLogger, id privilege.Identity, pidfile string) {
	files, _ := h.KeptFiles() // serve logged why the cookie cannot be made
	if pidfile != "" {
		// Made now so that the user may write it in place later, in a
		// folder (such as /run) it could not create files in.
		if f, err := os.OpenFile(pidfile, os.O_CREATE|os.O_WRONLY, 0o644); err != nil {
			log.Warnf("pidfile %s: %v", pidfile, err)
		} else {
			f.Close()
			files = append(files, pidfile)
		}
	}
	for _, err := range privilege.HandOver(id, files...) {
		log.Warn(err)
	}
}

// writePidfile writes this process's PID to the pidfile option's file
// once the process is ready (after an upgrade: the new process, before
// the old one is told to go). It replaces the file whole where it may
// create files beside it; else — a process that dropped privileges, with
// the pidfile in a folder such as /run — it writes in place over the file
// root made for it.
func writePidfile(path string) error {
	if path == "" {
		return nil
	}
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err == nil {
		_, err = tmp.Write(pid)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(tmp.Name(), 0o644)
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err == nil {
			return nil
		}
		os.Remove(tmp.Name())
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err == nil {
		// The new PID over the old, then cut what is left: a reader never
		// sees an empty file.
		_, err = f.WriteAt(pid, 0)
		if err == nil {
			err = f.Truncate(int64(len(pid)))
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("pidfile %s: %w (set pidfile to a file this user may write)", path, err)
	}
	return nil
}
