package listen

import (
	"fmt"
	"os"
)

// Engine says what reads a listener's plain TCP connections.
type Engine int

const (
	// EngineDefault is the event loop where the system has one (Linux),
	// else goroutines; MOONPORT_ENGINE may name another default, so one
	// build can be compared with itself (benchmarks, the test suites).
	EngineDefault Engine = iota
	// EngineGoroutines gives every connection a reader goroutine of its
	// own, parked in the runtime's poller while the peer is silent.
	EngineGoroutines
	// EngineLoop reads the listener's connections from one goroutine per
	// copy of the module (loop_linux.go): a busy instance's callbacks stay
	// on one goroutine and an idle connection holds no goroutine stack.
	EngineLoop
)

// String is the engine's name in network_settings.
func (e Engine) String() string {
	switch e {
	case EngineGoroutines:
		return "goroutines"
	case EngineLoop:
		return "loop"
	}
	return "default"
}

// ParseEngine reads an engine's name ("loop", "goroutines" or "default").
func ParseEngine(s string) (Engine, error) {
	for _, e := range []Engine{EngineDefault, EngineGoroutines, EngineLoop} {
		if s == e.String() {
			return e, nil
		}
	}
	return EngineDefault, fmt.Errorf("expected \"loop\", \"goroutines\" or \"default\"")
}

// defaultEngine is what EngineDefault means in this process.
var defaultEngine = func() Engine {
	if e, err := ParseEngine(os.Getenv("MOONPORT_ENGINE")); err == nil && e != EngineDefault {
		return e
	}
	if loopAvailable {
		return EngineLoop
	}
	return EngineGoroutines
}()

// resolve says which engine e means here: the loop only where there is one.
func (e Engine) resolve() Engine {
	if e == EngineDefault {
		e = defaultEngine
	}
	if e == EngineLoop && !loopAvailable {
		return EngineGoroutines
	}
	return e
}

func engine(s *Settings, v any) error {
	str, _ := v.(string)
	e, err := ParseEngine(str)
	if err != nil {
		return err
	}
	s.Engine = e
	return nil
}
