package api

// ForceLeaveOpts select how ForceLeaveOpts ejects a node.
type ForceLeaveOpts struct {
	// Prune forgets the node at once instead of keeping it as left.
	Prune bool
	// WAN targets the WAN pool only.
	WAN bool
}

// Join makes the agent join the gossip pool through addr
// (PUT /v1/agent/join/:addr); wan joins the WAN pool.
func (a *Agent) Join(addr string, wan bool) error {
	params := map[string]string{}
	if wan {
		params["wan"] = "1"
	}
	return a.put("/v1/agent/join/"+addr, params, nil, nil)
}

// Leave makes the agent leave the gossip pool gracefully and shut down
// (PUT /v1/agent/leave).
func (a *Agent) Leave() error { return a.LeaveOpts(nil) }

// LeaveOpts is Leave with options.
func (a *Agent) LeaveOpts(q *QueryOptions) error {
	return a.put("/v1/agent/leave", nil, nil, q)
}

// ForceLeave moves a failed node to left (PUT /v1/agent/force-leave/:node).
func (a *Agent) ForceLeave(node string) error {
	return a.ForceLeaveOpts(node, ForceLeaveOpts{})
}

// ForceLeavePrune moves a failed node to left and forgets it at once.
func (a *Agent) ForceLeavePrune(node string) error {
	return a.ForceLeaveOpts(node, ForceLeaveOpts{Prune: true})
}

// ForceLeaveOpts ejects a failed node as opts say.
func (a *Agent) ForceLeaveOpts(node string, opts ForceLeaveOpts) error {
	return a.ForceLeaveOptions(node, opts, nil)
}

// ForceLeaveOptions is ForceLeaveOpts with query options.
func (a *Agent) ForceLeaveOptions(node string, opts ForceLeaveOpts, q *QueryOptions) error {
	params := map[string]string{}
	if opts.Prune {
		params["prune"] = "1"
	}
	if opts.WAN {
		params["wan"] = "1"
	}
	return a.put("/v1/agent/force-leave/"+node, params, nil, q)
}
