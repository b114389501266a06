package server

import "strconv"

// RaftStats returns Raft's own figures of this server (state, term, commit
// and applied index, last contact, peers ...), as Consul shows them in the
// raft section of /v1/agent/self and `consul info`.
//
// Pylon adds commit_groups: how many groups of writes group commit has
// handed Raft (group_commit.go), which against the log's index tells the
// average group size under load.
func (s *Server) RaftStats() map[string]string {
	stats := s.raft.Stats()
	stats["commit_groups"] = strconv.FormatUint(s.commits.groups.Load(), 10)
	return stats
}
