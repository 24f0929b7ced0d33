// Package status shows operators and monitoring what a running moonport
// is doing: the OpenMetrics text of /metrics and the HTML status page of
// /status. Both render a read-only Snapshot that host/core builds; this
// package must not reach into listeners, connections, modules or Lua, and
// writes nothing but the response.
package status

import (
	"net/http"
	"time"

	"github.com/moonport/moonport/host/metrics"
)

// Snapshot is what the server is doing at one moment.
type Snapshot struct {
	Version     string
	Uptime      time.Duration
	Connections int // open now: accepted on every listener, and outgoing
	Listeners   []Listener
	Modules     []Module
	Reloads     Reloads
	Callbacks   Histogram // how long Lua callbacks ran
	// ModuleMetrics are the metrics modules defined (module:measure,
	// module:metric), shown after moonport's own.
	ModuleMetrics []metrics.Values
}

// Listener is one listening socket and its counters.
type Listener struct {
	Service    string
	Listener   string // the listener's name (the service's own is the service's name)
	Address    string // the IP address, as written in the config ("127.0.0.1", "::")
	Port       int
	AddrPort   string // address and port ("127.0.0.1:5222", "[::]:5222")
	Encryption string // as operators read it: "direct TLS", "STARTTLS" or "none"
	Public     bool   // reachable from other machines
	Counters
}

// Counters are a listener's figures since it opened. Byte counts include
// those of connections still open.
type Counters struct {
	Open          int64 // connections open now
	Accepted      int64
	Refused       int64 // by limits or access lists
	BytesIn       int64
	BytesOut      int64
	LuaErrors     int64 // errors in the Lua callbacks of its connections
	TLSHandshakes int64
	TLSFailures   int64
}

// Module is one loaded module instance.
type Module struct {
	Name        string
	Host        string // "*" for the global host
	File        string
	Services    []string // the services it provides, in the order it declared them
	Copies      int      // instances serving (1 plus its <service>_workers copies)
	Connections int      // open connections of its services
	Status      string   // what it said with module:set_status ("error: port in use"); "" when nothing
}

// Reloads says how reloads went.
type Reloads struct {
	Count     int
	Failures  int
	Last      time.Time // of the last attempt; zero before the first
	LastError string    // of the last attempt; empty when it worked
}

// Histogram counts durations in buckets.
type Histogram struct {
	Bounds []float64 // upper bounds, in seconds, ascending
	Counts []int64   // per bucket; one more than Bounds, the last for longer ones
	Sum    float64   // seconds
}

// MetricsHandler serves the OpenMetrics text of the snapshot it asks for
// at each request.
func MetricsHandler(snapshot func() Snapshot) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
		_ = WriteMetrics(w, snapshot())
	})
}

// PageHandler serves the status page of the snapshot it asks for at each
// request.
func PageHandler(snapshot func() Snapshot) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = WritePage(w, snapshot())
	})
}
