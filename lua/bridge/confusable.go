package bridge

import (
	"github.com/mtibben/confusables"
)

// confusableSkeleton is confusable.skeleton(s) of Prosody's ICU build:
// the UTS #39 skeleton (NFD, each character replaced by its prototype from
// Unicode's confusables table, NFD again), so that two strings that look
// alike have the same skeleton. Like Prosody's, it fails for invalid
// UTF-8, for input over 1024 UTF-16 code units and for a skeleton over
// 1024 bytes of UTF-8 (its fixed buffers).
func confusableSkeleton(s string) (string, bool) {
	if !idnaFits(s, idnaMaxUnits) {
		return "", false
	}
	out := confusables.Skeleton(s)
	return out, idnaFits(out, idnaMaxUnits) && len(out) <= idnaMaxUnits
}
