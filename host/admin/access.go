package admin

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Service is the name of the console's service (mod_admin_telnet's), and
// DefaultPort its port unless console_ports says otherwise.
const (
	Service     = "console"
	DefaultPort = 5582
)

// PasswordEnv names the environment variable that gives `moonport shell`
// the console's password when it cannot read the config's.
const PasswordEnv = "MOONPORT_CONSOLE_PASSWORD"

// secretName matches option names whose values must never be shown.
var secretName = regexp.MustCompile(`(?i)password|secret|cookie|token|passphrase`)

// IsSecret reports whether an option called name holds a secret, which
// the console shows as [redacted] and the log never shows.
func IsSecret(name string) bool { return secretName.MatchString(name) }

// Access is what a config says about who may use the console.
type Access struct {
	Auth       bool   // console_auth: false asks no secret (on loopback only)
	Password   string // console_password; "" for the cookie
	CookieFile string // where the cookie is (CookiePath)
}

// StateEnv is the variable systemd sets to the unit's StateDirectory=
// (":"-separated when it names several): the cookie's folder when
// data_path is unset.
const StateEnv = "STATE_DIRECTORY"

// CookiePath is where the console cookie of the config file configFile
// lives: cookieFile (console_cookie_file) if set, else console.cookie in
// dataPath (data_path) if set, else in the first folder of state (the
// unit's StateDirectory=, $STATE_DIRECTORY) if set, else beside the
// config file. cookieFile and dataPath are resolved against the config
// file's folder already.
func CookiePath(configFile, cookieFile, dataPath, state string) string {
	state, _, _ = strings.Cut(state, ":")
	switch {
	case cookieFile != "":
		return cookieFile
	case dataPath != "":
		return filepath.Join(dataPath, "console.cookie")
	case state != "":
		return filepath.Join(state, "console.cookie")
	}
	return filepath.Join(filepath.Dir(configFile), "console.cookie")
}

// UsesCookie reports whether the console's secret is the cookie (no
// console_password, console_auth not turned off).
func (a Access) UsesCookie() bool { return a.Auth && a.Password == "" }

// loopbackHint is what to write to keep the console on this machine.
const loopbackHint = `or keep the console on loopback: console_interfaces = { "127.0.0.1", "::1" }`

// RemoteProblem says why the console must not serve clients on other
// machines ("" when it may): they must give a real password. console_auth
// = false turns every secret off, whatever else is set, and the cookie
// file only proves a client can read files on this machine. option is the
// option to blame ("console_auth"), or "" when it is one that is missing.
func (a Access) RemoteProblem() (why, option string) {
	switch {
	case !a.Auth:
		return "console_auth = false turns its password off, so anyone who reaches it could run commands; remove console_auth = false and set console_password = \"…\", " + loopbackHint, "console_auth"
	case a.Password == "":
		return "console_password is not set (the console cookie only protects a console on loopback); set console_password = \"…\", " + loopbackHint, ""
	}
	return "", ""
}

// Admits says whether a console session from peer (an IP address) may
// start: a client on another machine (the console reached by some other
// way than its own planned sockets, say a diverted connection) meets the
// same rule as a public binding.
func (a Access) Admits(peer string) error {
	ip, err := netip.ParseAddr(peer)
	if err == nil && ip.Unmap().IsLoopback() {
		return nil
	}
	if why, _ := a.RemoteProblem(); why != "" {
		return fmt.Errorf("refused to %s: %s", peer, why)
	}
	return nil
}

// ClientSecret is what `moonport shell` answers the console's password
// prompt with: nothing with console_auth = false, else $PasswordEnv, the
// console_password, or the cookie, which it reads but never makes.
func (a Access) ClientSecret() (string, error) {
	if !a.Auth {
		return "", nil
	}
	if pw := os.Getenv(PasswordEnv); pw != "" {
		return pw, nil
	}
	if a.Password != "" {
		return a.Password, nil
	}
	cookie, err := ReadCookie(a.CookieFile)
	if err != nil {
		return "", fmt.Errorf("cannot read the console cookie %s (run as the server's user, or set %s): %w", a.CookieFile, PasswordEnv, errors.Unwrap(err))
	}
	return cookie, nil
}

// ReadCookie returns the console cookie at path.
func ReadCookie(path string) (string, error) {
	b, err := os.ReadFile(path)
	return strings.TrimSpace(string(b)), err
}

// ReadOrMakeCookie returns the console cookie at path, creating it with
// random content readable by its owner only if it does not exist.
func ReadOrMakeCookie(path string) (string, error) {
	cookie, err := ReadCookie(path)
	if err == nil {
		return cookie, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("console cookie %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("console cookie %s: cannot create its folder: %w (set data_path to a folder this user can write)", path, err)
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	cookie = hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(cookie+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("console cookie %s: %w (set data_path to a folder this user can write)", path, err)
	}
	return cookie, nil
}

// DialAddress picks, of the addresses the console listens on, the one
// `moonport shell` connects to: a loopback one if there is one, IPv4
// first; an unspecified address ("0.0.0.0", "::") is reached on its
// family's loopback.
func DialAddress(listening []netip.AddrPort) (string, error) {
	var pick netip.AddrPort
	for _, ap := range listening {
		a, p := ap.Addr(), pick.Addr()
		if !pick.IsValid() || (a.IsLoopback() && !p.IsLoopback()) || (a.Is4() && !p.Is4() && a.IsLoopback()) {
			pick = ap
		}
	}
	if !pick.IsValid() {
		return "", errors.New("the config gives the console no address")
	}
	if a := pick.Addr(); a.IsUnspecified() {
		loopback := netip.IPv6Loopback()
		if a.Is4() {
			loopback = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}
		return netip.AddrPortFrom(loopback, pick.Port()).String(), nil
	}
	return pick.String(), nil
}
