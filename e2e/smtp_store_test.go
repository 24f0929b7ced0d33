package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// mailReader is a module that, as it loads, logs every message of the
// archive store "mail" of host "*" (the SMTP sink's, a global module's)
// one line each, in time order, the data (decoded when the sink kept it
// in base64) with CR and LF written <CR>, <LF>.
const mailReader = `
local base64 = require "util.encodings".base64
local mail = assert(module:open_store("mail", "archive"))
local n = 0
for id, m, when, with in assert(mail:find(nil, {})) do
	n = n + 1
	local data = m.data_encoding == "base64" and base64.decode(m.data) or m.data
	data = data:gsub("\r", "<CR>"):gsub("\n", "<LF>")
	module:log("info", "mail %s with=%s from=%s to=%s size=%d received=%s when=%s data=%s",
		id, with, m.from, table.concat(m.to, ","), m.size, tostring(m.received == when), tostring(when > 0), data)
end
module:log("info", "mail read %d", n)
`

// smtpMessages are what the tests send: a dot-stuffed line, several
// recipients, UTF-8, 8-bit bytes that are no UTF-8 (SMTP's 8BITMIME).
var smtpMessages = []struct{ from, to, body string }{
	{"one@example.net", "a@localhost", "Subject: one\r\n\r\nfirst\r\n.a line that starts with a dot\r\n"},
	{"two@example.net", "b@localhost,c@localhost", "Subject: two\r\n\r\nsecond\r\n"},
	{"three@example.net", "d@localhost", "Subject: caf\xc3\xa9\r\n\r\n\xc3\xa9t\xc3\xa9\r\n"},
	{"four@example.net", "e@localhost", "Subject: caf\xe9\r\n\r\n\xe9t\xe9\r\n"},
}

// TestSMTPSinkStore: with smtp_sink_store, mod_smtp_sink keeps each
// message swaks sends in that archive store instead of a file (no
// smtp_sink_dir is read, so no missing folder is warned about): the reply
// names its id, and a second moonport, started on the same data after the
// first stopped, reads every message back with its sender, recipients,
// size and exact bytes (dot-stuffing undone) — on the internal store
// (Prosody's list file in the data folder), SQLite and PostgreSQL.
func TestSMTPSinkStore(t *testing.T) {
	swaks := testenv.NeedTool(t, "swaks", "swaks libnet-ssleay-perl")
	t.Run("internal", func(t *testing.T) { smtpSinkRoundTrip(t, swaks, "") })
	t.Run("SQLite", func(t *testing.T) {
		smtpSinkRoundTrip(t, swaks, "storage = \"sql\"\nsql = { driver = \"SQLite3\", database = \"mail.sqlite\" }\n")
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		pg := testenv.Postgres(t)
		smtpSinkRoundTrip(t, swaks, fmt.Sprintf("storage = \"sql\"\nsql = { driver = \"PostgreSQL\", database = %q, host = %q, port = %d, username = %q, password = %q }\n",
			pg.Database, pg.Host, pg.Port, pg.User, pg.Password))
	})
}

// smtpSinkConfig writes a config of the SMTP sink's test: module (the
// sink, or the reader) on port, its data in data with the storage lines
// given.
func smtpSinkConfig(t *testing.T, module string, port int, data, storage string) (cfg, logFile string) {
	t.Helper()
	mods := t.TempDir()
	if err := os.WriteFile(filepath.Join(mods, "mod_mail_reader.lua"), []byte(mailReader), 0o644); err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Abs("../examples/modules")
	logFile = filepath.Join(t.TempDir(), "moonport.log")
	return testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q, %q }\nmodules_enabled = { %q }\ninterfaces = { \"127.0.0.1\" }\n"+
		"smtp_ports = { %d }\nsmtp_sink_store = \"mail\"\nrun_as_root = true\nreload_on_change = false\ndata_path = %q\n"+
		"log = { { to = \"file\", filename = %q } }\n%s", examples, mods, module, port, data, logFile, storage)), logFile
}

// swaksSend sends body from one address to others (comma-separated) and
// returns swaks' transcript and whether it succeeded.
func swaksSend(t *testing.T, swaks string, port int, from, to, body string) (string, error) {
	file := filepath.Join(t.TempDir(), "msg.eml")
	os.WriteFile(file, []byte(strings.TrimSuffix(body, "\r\n")), 0o644)
	out, err := exec.Command(swaks, "--from", from, "--to", to, "--server", "127.0.0.1", "--port", fmt.Sprint(port),
		"--data", "@"+file, "--timeout", "10").CombinedOutput()
	return string(out), err
}

func smtpSinkRoundTrip(t *testing.T, swaks, storage string) {
	bin := testenv.Binary(t)
	port := testenv.FreePort(t, "tcp4")
	data := t.TempDir()
	cfg, logFile := smtpSinkConfig(t, "smtp_sink", port, data, storage)
	sink := testenv.Start(t, bin, testenv.Config(cfg))
	waitLog(t, logFile, "Activated service 'smtp'", 1)
	queued := regexp.MustCompile(`250 2\.0\.0 OK: queued as (\S+)`)
	ids := map[string]bool{}
	var order []string
	for _, m := range smtpMessages {
		out, err := swaksSend(t, swaks, port, m.from, m.to, m.body)
		id := queued.FindStringSubmatch(out)
		if err != nil || id == nil || ids[id[1]] {
			t.Fatalf("swaks (ids so far %v): %v\n%s", order, err, out)
		}
		ids[id[1]] = true
		order = append(order, id[1])
	}
	sinkLog := waitLog(t, logFile, "stored ", len(smtpMessages))
	if strings.Contains(sinkLog, "smtp_sink_dir") {
		t.Errorf("the sink read smtp_sink_dir:\n%s", sinkLog)
	}
	sink.Kill()

	cfg, logFile = smtpSinkConfig(t, "mail_reader", port, data, storage)
	testenv.Start(t, bin, testenv.Config(cfg))
	got := waitLog(t, logFile, "mail read ", 1)
	if !strings.Contains(got, fmt.Sprintf("mail read %d", len(smtpMessages))) {
		t.Fatalf("the reader did not find %d messages:\n%s", len(smtpMessages), got)
	}
	for i, m := range smtpMessages {
		data := strings.NewReplacer("\r", "<CR>", "\n", "<LF>").Replace(m.body)
		want := fmt.Sprintf("mail %s with=%s from=%s to=%s size=%d received=true when=true data=%s",
			order[i], m.from, m.from, m.to, len(m.body), data)
		if !strings.Contains(got, fmt.Sprintf("%q", want)[1:len(fmt.Sprintf("%q", want))-1]) {
			t.Errorf("message %d: the reader logged no line\n%s\nin:\n%s", i, want, got)
		}
	}
}

// TestSMTPSinkStoreFailure: a store that fails (the archive's list file
// is a folder) makes the sink answer 451, a temporary failure the client
// retries, and log the error; the session goes on (QUIT is answered), and
// once the store can be written again so can messages.
func TestSMTPSinkStoreFailure(t *testing.T) {
	swaks := testenv.NeedTool(t, "swaks", "swaks libnet-ssleay-perl")
	port := testenv.FreePort(t, "tcp4")
	data := t.TempDir()
	cfg, logFile := smtpSinkConfig(t, "smtp_sink", port, data, "")
	testenv.Start(t, testenv.Binary(t), testenv.Config(cfg))
	waitLog(t, logFile, "Activated service 'smtp'", 1)
	list := filepath.Join(data, "%2a", "mail.list")
	if err := os.MkdirAll(filepath.Join(list, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := smtpMessages[0]
	out, err := swaksSend(t, swaks, port, m.from, m.to, m.body)
	if err == nil || !strings.Contains(out, "451 4.3.0 Cannot store the message") || !strings.Contains(out, "221 2.0.0 Bye") {
		t.Fatalf("swaks with the store failing: %v\n%s", err, out)
	}
	waitLog(t, logFile, "cannot store message in mail: ", 1)
	os.RemoveAll(list)
	if out, err := swaksSend(t, swaks, port, m.from, m.to, m.body); err != nil || !strings.Contains(out, "250 2.0.0 OK: queued as ") {
		t.Fatalf("swaks once the store works again: %v\n%s", err, out)
	}
}
