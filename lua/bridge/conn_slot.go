package bridge

import "github.com/moonport/moonport/host/listen"

// PickSlot is Pick that also says which copy of the module it picked, so
// that a listener's event loop i carries the connections of copy i only
// (listen.SlotSource): one copy's callbacks stay on one goroutine.
func (s *NetService) PickSlot() (listen.Handler, int) {
	if len(s.handlers) == 1 {
		return s.handlers[0], 0
	}
	i := int(s.next.Add(1) % uint64(len(s.handlers)))
	return s.handlers[i], i
}
