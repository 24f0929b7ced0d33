// Package layout holds the tests that keep the tree's shape as the README
// states it: which packages may link the Lua VM, and how long a source
// file or a function may grow. It has no code of its own and nothing may
// import it.
package layout
