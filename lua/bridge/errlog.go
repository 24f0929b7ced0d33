package bridge

import (
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// errorBurst is how many Lua error lines one instance logs per second. A
// client sending bad input over and over makes an error per line it
// sends; past the burst they are counted and summed up in one line, so
// the log cannot be flooded.
const errorBurst = 10

// errorLog rate-limits an instance's Lua error lines.
type errorLog struct {
	mu         sync.Mutex         // guards the fields below
	log        logrus.FieldLogger // where the summary goes; the watchdog reads it, module:set_global replaces it
	window     time.Time          // start of the current second
	logged     int                // lines logged in it
	suppressed int                // lines left out in it
}

// logError logs a Lua error line unless this second's burst is used up.
func (inst *Instance) logError(msg string) {
	now := time.Now()
	inst.errs.flush(now)
	if inst.errs.take(now) {
		inst.log.Error(msg)
	}
}

// setLog makes the summaries go to log (the instance's logger, whose
// fields change when the module calls module:set_global).
func (e *errorLog) setLog(log logrus.FieldLogger) {
	e.mu.Lock()
	e.log = log
	e.mu.Unlock()
}

func (e *errorLog) take(now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if now.Sub(e.window) >= time.Second {
		e.window, e.logged = now, 0
	}
	if e.logged < errorBurst {
		e.logged++
		return true
	}
	e.suppressed++
	return false
}

// flush writes the summary of a second that had lines left out, once that
// second is over (the watchdog calls it, so the summary comes even when
// the errors stop).
func (e *errorLog) flush(now time.Time) {
	e.mu.Lock()
	n, log := e.suppressed, e.log
	if n == 0 || now.Sub(e.window) < time.Second || log == nil {
		e.mu.Unlock()
		return
	}
	e.suppressed = 0
	e.mu.Unlock()
	log.Errorf("%d more Lua error(s) suppressed in the last second (at most %d are logged per second)", n, errorBurst)
}
