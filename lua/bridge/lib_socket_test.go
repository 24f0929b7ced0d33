package bridge

import (
	"os"
	"strings"
	"testing"
)

func TestSocket(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skip(err)
	}
	got := runSnippet(t, `
local socket = require "socket"
local t = socket.gettime()
emit(type(t), math.abs(t - os.time()) < 2, t ~= math.floor(t) or socket.gettime() ~= t)
emit(socket.dns.gethostname())
emit(require "socket" == socket)
`)
	want := strings.Join([]string{"number\ttrue\ttrue", host, "true"}, "\n")
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// LuaSocket's own, where lua5.4 has it: the host name and the clock agree.
func TestSocketDifferential(t *testing.T) {
	compareWithProsody(t, `
local socket = require "socket"
emit(socket.dns.gethostname(), math.abs(socket.gettime() - os.time()) < 2, type(socket.gettime))
`)
}
