package bridge

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"
	lua "github.com/yuin/gopher-lua"
)

// Instance is one module loaded on one host: its own Lua state and the
// event loop that alone touches it. Everything that runs Lua code is posted
// to the loop, so module code needs no locks.
type Instance struct {
	rt     *Runtime
	Name   string
	Host   string
	Path   string
	L      *lua.LState
	module *lua.LTable
	log    *logrus.Entry

	mu      sync.Mutex
	queue   []func()
	spare   []func()
	notify  chan struct{}
	stopped bool
	exited  chan struct{}

	hooks  map[string][]hook
	timers map[*timer]struct{}
}

type hook struct {
	fn       *lua.LFunction
	priority float64
}

func newInstance(rt *Runtime, name, host, path string) *Instance {
	inst := &Instance{rt: rt, Name: name, Host: host, Path: path,
		notify: make(chan struct{}, 1), exited: make(chan struct{}),
		hooks: map[string][]hook{}, timers: map[*timer]struct{}{},
		log: rt.log.WithFields(logrus.Fields{"module": name, "host": host})}
	inst.L = lua.NewState()
	return inst
}

// post queues f to run on the loop. It never blocks, so any goroutine,
// the loop itself included, may post.
func (inst *Instance) post(f func()) bool {
	inst.mu.Lock()
	if inst.stopped {
		inst.mu.Unlock()
		return false
	}
	inst.queue = append(inst.queue, f)
	inst.mu.Unlock()
	select {
	case inst.notify <- struct{}{}:
	default:
	}
	return true
}

// call runs f on the loop and waits for it; it reports false if the
// instance has stopped and f did not run.
func (inst *Instance) call(f func()) bool {
	done := make(chan struct{})
	if !inst.post(func() { f(); close(done) }) {
		return false
	}
	select {
	case <-done:
		return true
	case <-inst.exited:
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
}

// run is the event loop. It exits once stopped and the queue is empty.
func (inst *Instance) run() {
	defer close(inst.exited)
	for {
		inst.mu.Lock()
		batch := inst.queue
		inst.queue = inst.spare[:0]
		stopped := inst.stopped
		inst.mu.Unlock()
		for i, f := range batch {
			f()
			batch[i] = nil
		}
		inst.mu.Lock()
		inst.spare = batch
		empty := len(inst.queue) == 0
		inst.mu.Unlock()
		if !empty {
			continue
		}
		if stopped {
			return
		}
		<-inst.notify
	}
}

// stop lets queued work finish, ends the loop and closes the Lua state.
func (inst *Instance) stop() {
	inst.mu.Lock()
	already := inst.stopped
	inst.stopped = true
	inst.mu.Unlock()
	if already {
		<-inst.exited
		return
	}
	select {
	case inst.notify <- struct{}{}:
	default:
	}
	<-inst.exited
	inst.L.Close()
}

// protect calls fn with args on the loop's Lua state. A Lua error is
// logged with its traceback and returned; the host keeps serving.
func (inst *Instance) protect(what string, fn lua.LValue, nret int, args ...lua.LValue) ([]lua.LValue, error) {
	L := inst.L
	top := L.GetTop()
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	if err := L.PCall(len(args), nret, nil); err != nil {
		msg := err.Error()
		var apiErr *lua.ApiError
		if errors.As(err, &apiErr) {
			msg = apiErr.Object.String()
			if tb := strings.TrimSpace(apiErr.StackTrace); tb != "" {
				msg += "\n" + tb
			}
		}
		L.SetTop(top)
		err = fmt.Errorf("error in %s: %s", what, msg)
		inst.log.Error(err.Error())
		return nil, err
	}
	n := L.GetTop() - top
	out := make([]lua.LValue, n)
	for i := 0; i < n; i++ {
		out[i] = L.Get(top + 1 + i)
	}
	L.SetTop(top)
	return out, nil
}
