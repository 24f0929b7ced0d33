package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/moonport/moonport/host/admin"
	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/ports"
)

// consoleClient is a session with a running moonport's admin console.
type consoleClient struct {
	conn net.Conn
	r    *bufio.Reader
}

// consoleAddress finds where a config's console listens, by the same
// rules the server binds it with, and picks the address to dial
// (admin.DialAddress).
func consoleAddress(snap *config.Snapshot) (string, error) {
	plan := ports.Plan(snap, []ports.Service{{Name: admin.Service, DefaultPorts: []int{admin.DefaultPort}, Private: true}})
	var listening []netip.AddrPort
	for _, b := range plan.Bindings {
		listening = append(listening, netip.AddrPortFrom(b.Address, uint16(b.Port)))
	}
	return admin.DialAddress(listening)
}

// dialConsole connects and authenticates. Its error says which step
// failed: nothing listens (refused), something else answers (not a
// console), the console cannot check secrets, the secret cannot be read
// (no cookie readable, with its path), or the console refused it.
func dialConsole(snap *config.Snapshot) (*consoleClient, error) {
	addr, err := consoleAddress(snap)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("connection refused at %s: no moonport console listens there (is moonport running with mod_admin_telnet, with this config's console_ports?)", addr)
		}
		return nil, fmt.Errorf("cannot reach the console at %s: %w", addr, err)
	}
	c := &consoleClient{conn: conn, r: bufio.NewReader(conn)}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	banner, err := c.r.ReadString('\n')
	if msg, unavailable := strings.CutPrefix(banner, "! "); unavailable {
		conn.Close()
		return nil, fmt.Errorf("the moonport console at %s cannot check secrets: %s", addr, strings.TrimSpace(msg))
	}
	if err != nil || !strings.HasPrefix(banner, "moonport console") {
		conn.Close()
		return nil, fmt.Errorf("not a moonport console: %s answered %q, not a moonport console's greeting (another program on console_ports?)", addr, strings.TrimSpace(banner))
	}
	if c.r.Buffered() > 0 || peekLine(c) {
		if err := c.login(snap, addr); err != nil {
			conn.Close()
			return nil, err
		}
	}
	_ = conn.SetDeadline(time.Time{})
	return c, nil
}

// login answers the console's password prompt with the secret the
// config gives (ClientSecret).
func (c *consoleClient) login(snap *config.Snapshot, addr string) error {
	line, _ := c.r.ReadString('\n')
	if strings.TrimSpace(line) != "Password:" {
		return nil
	}
	access := consoleAccess(snap)
	secret, err := access.ClientSecret()
	if err != nil {
		return fmt.Errorf("no cookie readable: %w", err)
	}
	fmt.Fprintf(c.conn, "%s\n", secret)
	reply, _ := c.r.ReadString('\n')
	if !strings.HasPrefix(reply, "OK") {
		return fmt.Errorf("wrong secret: the console at %s refused %s (%s)", addr, secretSource(access), strings.TrimSpace(reply))
	}
	return nil
}

// secretSource names where the secret shell sent came from.
func secretSource(a admin.Access) string {
	switch {
	case os.Getenv(admin.PasswordEnv) != "":
		return "$" + admin.PasswordEnv
	case a.Password != "":
		return "the config's console_password"
	}
	return "the cookie " + a.CookieFile + " (the server uses another: is this its config, and its data_path?)"
}

// peekLine waits briefly for a "Password:" line after the banner.
func peekLine(c *consoleClient) bool {
	_ = c.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err := c.r.Peek(1)
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	return err == nil
}

// run sends one command and copies its output to out; ok is whether the
// console answered OK.
func (c *consoleClient) run(cmd string, out io.Writer) (bool, error) {
	if _, err := fmt.Fprintf(c.conn, "%s\n", cmd); err != nil {
		return false, err
	}
	for {
		_ = c.conn.SetReadDeadline(time.Now().Add(60 * time.Second))
		line, err := c.r.ReadString('\n')
		if err != nil {
			return false, fmt.Errorf("the console closed the session: %w", err)
		}
		fmt.Fprint(out, strings.TrimPrefix(line, "| "))
		switch {
		case strings.HasPrefix(line, "OK"):
			return true, nil
		case strings.HasPrefix(line, "!"):
			return false, nil
		}
	}
}

func (c *consoleClient) close() { c.conn.Close() }

// shell runs `moonport shell [command]`.
func shell(snap *config.Snapshot, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c, err := dialConsole(snap)
	if err != nil {
		fmt.Fprintln(stderr, "moonport shell:", err)
		return exitConsole
	}
	defer c.close()
	if len(args) > 0 {
		ok, err := c.run(strings.Join(args, " "), stdout)
		if err != nil {
			fmt.Fprintln(stderr, "moonport shell:", err)
			return exitConsole
		}
		if !ok {
			return exitConsole
		}
		return exitOK
	}
	if f, isFile := stdin.(*os.File); isFile && term.IsTerminal(int(f.Fd())) {
		return interactive(c, f, stdout)
	}
	// Commands from a pipe, one a line.
	code := exitOK
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		ok, err := c.run(line, stdout)
		if err != nil {
			return exitOK // quit closes the session
		}
		if !ok {
			code = exitConsole
		}
	}
	return code
}

// interactive is the terminal session: line editing and history come from
// x/term's line reader.
func interactive(c *consoleClient, tty *os.File, stdout io.Writer) int {
	old, err := term.MakeRaw(int(tty.Fd()))
	if err != nil {
		fmt.Fprintln(stdout, "moonport shell:", err)
		return exitConsole
	}
	defer term.Restore(int(tty.Fd()), old)
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{tty, stdout}, "moonport> ")
	fmt.Fprint(t, "Connected to the moonport console. Type 'help', or 'quit' to leave.\r\n")
	for {
		line, err := t.ReadLine()
		if err != nil { // Ctrl-D
			return exitOK
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if _, err := c.run(line, t); err != nil {
			return exitOK
		}
		if line == "quit" || line == "exit" {
			return exitOK
		}
	}
}
