package lua

// moonport: a bounded cache of compiled Lua patterns for string.find,
// match, gmatch and gsub (see MOONPORT.md). It lives in the Global of a
// state, shared by the state's coroutines, which like the state itself
// are used by one goroutine at a time, so it needs no lock.

import "github.com/yuin/gopher-lua/pm"

const (
	patternCacheEntries  = 64   // at most this many patterns
	patternCacheBytes    = 8192 // whose lengths add up to at most this
	patternCacheMaxBytes = 256  // a longer pattern is never cached
)

type patternCache struct {
	m     map[string]*pm.Pattern
	bytes int
}

// get returns the compiled p, compiling (and caching) it if need be. A
// malformed pattern is never cached, so it raises the same error on
// every call.
func (c *patternCache) get(p string) (*pm.Pattern, error) {
	if pat, ok := c.m[p]; ok {
		return pat, nil
	}
	pat, err := pm.Compile(p)
	if err != nil || len(p) > patternCacheMaxBytes {
		return pat, err
	}
	if c.m == nil {
		c.m = make(map[string]*pm.Pattern, patternCacheEntries)
	}
	// Evict arbitrary entries (Go randomises map order) until p fits.
	for k := range c.m {
		if len(c.m) < patternCacheEntries && c.bytes+len(p) <= patternCacheBytes {
			break
		}
		delete(c.m, k)
		c.bytes -= len(k)
	}
	c.m[p] = pat
	c.bytes += len(p)
	return pat, nil
}

// findPattern is pm.Find through L's pattern cache.
func findPattern(L *LState, p string, src []byte, offset, limit int) ([]*pm.MatchData, error) {
	pat, err := L.G.patterns.get(p)
	if err != nil {
		return nil, err
	}
	return pat.Find(src, offset, limit)
}
