package admin

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCookiePath(t *testing.T) {
	for _, c := range []struct{ cookieFile, dataPath, state, want string }{
		{"/run/moonport/cookie", "/var/lib/moonport", "/var/lib/x", "/run/moonport/cookie"},
		{"", "/var/lib/moonport", "/var/lib/x", "/var/lib/moonport/console.cookie"},
		{"", "", "/var/lib/x:/var/lib/y", "/var/lib/x/console.cookie"},
		{"", "", "", "/etc/moonport/console.cookie"},
	} {
		if got := CookiePath("/etc/moonport/prosody.cfg.lua", c.cookieFile, c.dataPath, c.state); got != c.want {
			t.Errorf("CookiePath(%q, %q, %q) = %s, want %s", c.cookieFile, c.dataPath, c.state, got, c.want)
		}
	}
}

// TestAdmits: off loopback the console needs a real password, whatever
// socket the session came in on.
func TestAdmits(t *testing.T) {
	open := Access{Auth: false, Password: "long enough secret"}
	cookie := Access{Auth: true}
	password := Access{Auth: true, Password: "long enough secret"}
	for _, c := range []struct {
		access  Access
		peer    string
		refused string // what the refusal says, "" when admitted
	}{
		{open, "192.0.2.7", "console_auth = false turns its password off"},
		{open, "2001:db8::7", "console_auth = false turns its password off"},
		{open, "", "console_auth = false turns its password off"},
		{cookie, "192.0.2.7", "console_password is not set (the console cookie only protects a console on loopback)"},
		{open, "127.0.0.1", ""},
		{open, "::1", ""},
		{open, "::ffff:127.0.0.1", ""},
		{password, "192.0.2.7", ""},
	} {
		err := c.access.Admits(c.peer)
		switch {
		case c.refused == "" && err != nil:
			t.Errorf("%+v from %q: %v", c.access, c.peer, err)
		case c.refused != "" && (err == nil || !strings.HasPrefix(err.Error(), "refused to "+c.peer+": "+c.refused)):
			t.Errorf("%+v from %q: %v, want refused: %s", c.access, c.peer, err, c.refused)
		}
	}
	if _, option := open.RemoteProblem(); option != "console_auth" {
		t.Errorf("console_auth = false blames %q", option)
	}
	if why, option := cookie.RemoteProblem(); option != "" || !strings.HasSuffix(why, `console_interfaces = { "127.0.0.1", "::1" }`) {
		t.Errorf("no password: %q blames %q", why, option)
	}
	if !cookie.UsesCookie() || password.UsesCookie() || open.UsesCookie() {
		t.Error("UsesCookie")
	}
}

// TestClientSecret: moonport shell answers with $MOONPORT_CONSOLE_PASSWORD,
// else the password, else the cookie, which it never makes.
func TestClientSecret(t *testing.T) {
	t.Setenv(PasswordEnv, "")
	path := filepath.Join(t.TempDir(), "console.cookie")
	cookie := Access{Auth: true, CookieFile: path}
	if _, err := cookie.ClientSecret(); err == nil || !strings.Contains(err.Error(), "cannot read the console cookie "+path+" (run as the server's user, or set MOONPORT_CONSOLE_PASSWORD): no such file") {
		t.Errorf("no cookie: %v", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("the client made a cookie")
	}
	made, err := ReadOrMakeCookie(path)
	if st, _ := os.Stat(path); err != nil || len(made) != 48 || st.Mode().Perm() != 0o600 {
		t.Fatalf("ReadOrMakeCookie: %q, %v, %v", made, err, st)
	}
	for _, c := range []struct {
		access    Access
		env, want string
	}{
		{cookie, "", made},
		{Access{Auth: true, Password: "pw", CookieFile: path}, "", "pw"},
		{Access{Auth: true, Password: "pw"}, "from env", "from env"},
		{Access{Auth: false, Password: "pw"}, "from env", ""},
	} {
		t.Setenv(PasswordEnv, c.env)
		if got, err := c.access.ClientSecret(); err != nil || got != c.want {
			t.Errorf("%+v, env %q: %q, %v; want %q", c.access, c.env, got, err, c.want)
		}
	}
}

func TestDialAddress(t *testing.T) {
	ap := netip.MustParseAddrPort
	for _, c := range []struct {
		listening []netip.AddrPort
		want      string
	}{
		{[]netip.AddrPort{ap("[::1]:5582"), ap("127.0.0.1:5582")}, "127.0.0.1:5582"},
		{[]netip.AddrPort{ap("192.0.2.1:5582"), ap("[::1]:5582")}, "[::1]:5582"},
		{[]netip.AddrPort{ap("0.0.0.0:5583")}, "127.0.0.1:5583"},
		{[]netip.AddrPort{ap("[::]:5583")}, "[::1]:5583"},
		{[]netip.AddrPort{ap("192.0.2.1:5582")}, "192.0.2.1:5582"},
	} {
		if got, err := DialAddress(c.listening); err != nil || got != c.want {
			t.Errorf("%v: %s, %v; want %s", c.listening, got, err, c.want)
		}
	}
	if _, err := DialAddress(nil); err == nil || err.Error() != "the config gives the console no address" {
		t.Errorf("no address: %v", err)
	}
}

func TestIsSecret(t *testing.T) {
	for name, want := range map[string]bool{"console_password": true, "component_secret": true, "api_TOKEN": true,
		"console_cookie_file": true, "ssl_passphrase": true, "console_ports": false, "data_path": false} {
		if IsSecret(name) != want {
			t.Errorf("IsSecret(%q) = %v", name, !want)
		}
	}
}
