package server

// RaftStats returns Raft's own figures of this server (state, term, commit
// and applied index, last contact, peers ...), as Consul shows them in the
// raft section of /v1/agent/self and `consul info`.
func (s *Server) RaftStats() map[string]string { return s.raft.Stats() }
