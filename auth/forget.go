package auth

// Forget drops everything the Service remembers in memory: the live
// logon sessions and the recent Basic verifications. Call
// it after the store's logon sessions were removed behind the Service's
// back (the control plane's reset), so that none of them still
// authenticates.
func (s *Service) Forget() {
	s.sessions.forget()
	s.mu.Lock()
	s.cache = nil
	s.mu.Unlock()
}
