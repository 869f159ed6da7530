package auth

// Forget drops everything the Service remembers in memory: the live
// logon sessions of a sole writer and the recent Basic verifications. Call
// it after the store's logon sessions were removed behind the Service's
// back (the control plane's reset), so that none of them still
// authenticates.
func (s *Service) Forget() {
	s.sessions.mu.Lock()
	s.sessions.m = nil
	s.sessions.mu.Unlock()
	s.mu.Lock()
	s.cache = nil
	s.mu.Unlock()
}
