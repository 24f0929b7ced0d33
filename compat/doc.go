// Package compat is moonport's differential test suite against Prosody 0.12:
// the instrument that measures how far moonport is a drop-in for Prosody's
// port layer.
//
// Each folder under testdata/configs holds a prosody.cfg.lua (and the files
// it Includes). TestDifferential runs every one in Prosody and in moonport,
// each inside its own network, mount and PID namespaces, with the stub
// modules of testdata/stubs first on the plugin path of both, and compares
// the listening sockets and whether the process is still running once it
// has settled. A config whose results differ fails the test unless
// ExpectedDifferences names it with the reason. compat/run runs the suite by
// hand and prints the comparison as a table.
package compat
