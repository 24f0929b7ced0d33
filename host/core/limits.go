package core

import (
	"fmt"
	"math"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/value"
)

// bound is the range a numeric top-level option may take. Like the
// network settings' bounds (listen.Check), they stop a typo such as 1e12
// from reaching a buffer size, a duration or a count, where it would
// exhaust memory or overflow.
type bound struct {
	min, max float64
	unit     string // "bytes", "connections", "seconds"
	whole    bool
}

// optionBounds are the numeric options the host and the shipped modules
// read from the global section. <service>_max_connections and the other
// <service>_<setting> options are checked with the network settings;
// lua_timeout and lua_memory_limit by the Lua runtime (bridge.BudgetOf).
var optionBounds = map[string]bound{
	"max_connections":        {1, listen.MaxConnections, "connections", true},
	"removed_listener_grace": {0, 30 * listen.Day, "seconds", false},
	"http_max_content_size":  {1, listen.MaxBufferBytes, "bytes", true}, // a request body is held in memory
	"http_max_header_size":   {1, 1 << 20, "bytes", true},
	"http_header_timeout":    {0, listen.Hour, "seconds", false},
	"http_idle_timeout":      {0, listen.Day, "seconds", false},
	"https_hsts":             {0, 10 * 365 * listen.Day, "seconds", true},
	"multiplex_buffer_size":  {1, 1 << 20, "bytes", true}, // mod_net_multiplex holds this much per undecided connection
}

func (b bound) check(v any) error {
	n, ok := v.(float64)
	if ok && n >= b.min && n <= b.max && (!b.whole || n == math.Trunc(n)) {
		return nil
	}
	if b.whole {
		return fmt.Errorf("expected a whole number of %s from %s to %s", b.unit, listen.FormatNumber(b.min), listen.FormatNumber(b.max))
	}
	return fmt.Errorf("expected a number of %s from %s to %s", b.unit, listen.FormatNumber(b.min), listen.FormatNumber(b.max))
}

// checkBounds refuses a config whose numeric options are out of range,
// naming the file and line, the option, the value and the range.
func checkBounds(snap *config.Snapshot) error {
	for _, name := range snap.GlobalNames() {
		b, ok := optionBounds[name]
		if !ok {
			continue
		}
		o, _ := snap.Get("*", name)
		if err := b.check(o.Value); err != nil {
			return &config.Error{Location: o.Location, Message: fmt.Sprintf("%s = %s: %v", name, value.Format(o.Value), err)}
		}
	}
	return nil
}
