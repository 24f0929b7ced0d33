// Package census measures how many of the module files Debian ships for
// Prosody 0.12 (the packages prosody and prosody-modules) moonport loads,
// beside Prosody itself: each module alone in the same minimal config, in
// both hosts, and for each that serves something a client's first answer
// from both. It writes docs/prosody-modules.md and a baseline of what
// moonport loads (testdata/baseline.txt); TestCensus fails when a module of
// the baseline stops loading or stops answering as Prosody does. compat/
// census/run runs it and rewrites both files.
//
// Whether a module needs XMPP stanza routing is read from its source with
// the patterns of routingRules (routing_test.go); the doc lists them.
package census
