package bridge

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// slowAdmin answers "slow" only once the test releases it, and says that
// call waits; every other call is answered at once.
type slowAdmin struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func newSlowAdmin() *slowAdmin {
	return &slowAdmin{entered: make(chan struct{}, 16), release: make(chan struct{})}
}

func (a *slowAdmin) Waits(name string) bool { return name == "slow" }

func (a *slowAdmin) Call(name string, args []any) (any, error) {
	if name == "slow" {
		a.entered <- struct{}{}
		<-a.release
		return "slow answer", nil
	}
	return "quick answer", nil
}

func (a *slowAdmin) unblock() { a.once.Do(func() { close(a.release) }) }

const taskModule = `
local admin = require "moonport.admin"
log = {}
function outside()
	local ok, err = pcall(admin.call, "slow")
	return tostring(err)
end
function quick() return admin.call("quick") end
function start()
	admin.run(function(tag)
		log[#log + 1] = tag .. " started"
		-- A wait inside pcall, as the console's commands do.
		local ok, answer = pcall(function() return admin.call("slow") end)
		log[#log + 1] = tag .. " got " .. tostring(answer)
	end, "task")
	log[#log + 1] = "callback done"
end
function ping() log[#log + 1] = "ping"; return "pong" end
function show() return table.concat(log, ", ") end
`

// A task waiting for the host gives the state up: other callbacks run
// meanwhile, and the task goes on with the answer afterwards.
func TestTaskWaitsWithoutHoldingTheState(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"task": taskModule})
	admin := newSlowAdmin()
	defer admin.unblock()
	tr.SetAdmin(admin)
	inst := tr.load(t, "task")
	if out, err := callGlobal(inst, "outside"); err != nil || !strings.Contains(out, `mods/mod_task.lua:5: admin.call("slow") may wait for module states`) || !strings.Contains(out, "admin.run") {
		t.Errorf("a waiting call outside a task: %q %v", out, err)
	}
	if out, err := callGlobal(inst, "quick"); err != nil || out != "quick answer" {
		t.Errorf("a quick call outside a task: %q %v", out, err)
	}
	if _, err := callGlobal(inst, "start"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-admin.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the task never called the host")
	}
	if out, err := callGlobal(inst, "ping"); err != nil || out != "pong" {
		t.Fatalf("ping while the task waits: %q %v", out, err)
	}
	admin.unblock()
	want := "callback done, task started, ping, task got slow answer"
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := callGlobal(inst, "show")
		if out == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log %q, want %q", out, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A task whose instance stops while it waits is dropped: nothing more of
// it runs, and stopping does not wait for the host's answer for ever.
func TestTaskOfAStoppedInstanceIsDropped(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"task": taskModule})
	admin := newSlowAdmin()
	tr.SetAdmin(admin)
	inst := tr.load(t, "task")
	if _, err := callGlobal(inst, "start"); err != nil {
		t.Fatal(err)
	}
	<-admin.entered
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stopped := make(chan struct{})
	go func() { tr.Stop(ctx); close(stopped) }()
	// Stop waits for the task (within the deadline); the task waits for
	// the host; once answered it finds its instance stopped and ends.
	for inst.call(func() {}) {
		time.Sleep(time.Millisecond)
	}
	admin.unblock()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not return")
	}
	select {
	case <-tr.tasks.idle():
	case <-time.After(10 * time.Second):
		t.Fatal("the task's goroutine did not end")
	}
}
