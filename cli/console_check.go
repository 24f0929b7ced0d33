package cli

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moonport/moonport/host/admin"
	"github.com/moonport/moonport/host/check"
	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/core"
)

// checkConsole is `moonport check`'s console section: with a server
// listening on the console's address, that shell gets in with the secret
// it would use; without one, that the server could make (or read) the
// cookie. Nothing without a console (mod_admin_telnet not enabled).
func checkConsole(h *core.Host, snap *config.Snapshot) check.Results {
	if h.Runtime.Service(admin.Service) == nil {
		return nil
	}
	addr, err := consoleAddress(snap)
	if err != nil {
		return check.Results{{Level: check.Fail, Message: "console: " + err.Error()}}
	}
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err == nil {
		conn.Close()
		c, err := dialConsole(snap)
		if err != nil {
			return check.Results{{Level: check.Fail, Message: "console: moonport shell cannot use the console at " + addr + ": " + err.Error()}}
		}
		c.close()
		return check.Results{{Level: check.Pass, Message: "console at " + addr + " answers moonport shell with the secret it would use"}}
	}
	access := core.ConsoleAccess(snap)
	if !access.UsesCookie() {
		return check.Results{{Level: check.Pass, Message: "console (not running at " + addr + ") needs no cookie"}}
	}
	if err := cookieWritable(access.CookieFile); err != nil {
		return check.Results{{Level: check.Fail, Message: fmt.Sprintf("console cookie %s: %v: the console would refuse every session; set data_path to a folder the server's user can write (or StateDirectory= in its systemd unit)", access.CookieFile, err)}}
	}
	return check.Results{{Level: check.Pass, Message: "console cookie " + access.CookieFile + " can be made or read (no server listens at " + addr + ")"}}
}

// cookieWritable says why the server could not read or make the cookie
// at path, nil when it could: the file is readable, or its nearest
// existing folder may be written to.
func cookieWritable(path string) error {
	if _, err := os.Stat(path); err == nil {
		return unix.Access(path, unix.R_OK)
	}
	dir := filepath.Dir(path)
	for {
		if fi, err := os.Stat(dir); err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is not a folder", dir)
			}
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if err := unix.Access(dir, unix.W_OK); err != nil {
		if errors.Is(err, syscall.EROFS) {
			return fmt.Errorf("%s is on a read-only file system", dir)
		}
		return fmt.Errorf("cannot write %s: %w", dir, err)
	}
	return nil
}
