package httpapi

func (s *Server) statusLeader(c *call) error {
	return s.writeJSON(c, s.catalog.Leader())
}

func (s *Server) statusPeers(c *call) error {
	peers, err := s.catalog.Peers()
	if err != nil {
		return err
	}
	return s.writeJSON(c, orEmpty(peers))
}
