package server

import (
	"context"
	"fmt"
	"time"

	"github.com/pylonmesh/pylon/gossip"
	"github.com/pylonmesh/pylon/server/state"
)

// promoteStable makes a voter of every non-voter that has been healthy
// for at least ServerStabilizationTime.
func (s *Server) promoteStable(ctx context.Context, conf state.AutopilotConfig, h *AutopilotHealth) {
	for _, sh := range h.Servers {
		if sh.Voter || !sh.Healthy || time.Since(sh.StableSince) < conf.ServerStabilizationTime {
			continue
		}
		s.logger.Info("autopilot: promoting server to voter", "id", sh.ID, "name", sh.Name)
		if err := s.AddVoter(ctx, sh.ID, sh.Address); err != nil && ctx.Err() == nil {
			s.logger.Warn("autopilot: promote server", "id", sh.ID, "error", err)
		}
	}
}

// pruneDeadServers removes the dead servers deadToRemove picks.
func (s *Server) pruneDeadServers(ctx context.Context, conf state.AutopilotConfig, h *AutopilotHealth) {
	remove, refused := deadToRemove(conf, h.Servers)
	if refused != "" {
		s.logger.Warn("autopilot: not removing dead voters", "reason", refused)
	}
	for _, sh := range remove {
		s.logger.Info("autopilot: removing dead server", "id", sh.ID, "name", sh.Name, "status", sh.SerfStatus)
		if err := s.RemoveServer(ctx, sh.ID); err != nil {
			if ctx.Err() == nil {
				s.logger.Warn("autopilot: remove dead server", "id", sh.ID, "error", err)
			}
			return
		}
	}
}

// deadToRemove picks the servers the LAN pool reports failed or left
// that may go. Dead non-voters always may. Dead voters may while they
// are fewer than half of the voters, so the voters left keep a majority
// of the configuration they leave, and never below MinQuorum voters;
// refused says why some stay.
func deadToRemove(conf state.AutopilotConfig, servers []ServerHealth) (remove []ServerHealth, refused string) {
	var deadVoters []ServerHealth
	voters := 0
	for _, sh := range servers {
		if sh.Voter {
			voters++
		}
		if sh.Leader || (sh.SerfStatus != gossip.StatusFailed.String() && sh.SerfStatus != gossip.StatusLeft.String()) {
			continue
		}
		if sh.Voter {
			deadVoters = append(deadVoters, sh)
		} else {
			remove = append(remove, sh)
		}
	}
	if len(deadVoters) == 0 {
		return remove, ""
	}
	if 2*len(deadVoters) >= voters {
		return remove, fmt.Sprintf("%d of %d voters are dead: too many to remove safely", len(deadVoters), voters)
	}
	for _, sh := range deadVoters {
		if conf.MinQuorum > 0 && uint(voters-1) < conf.MinQuorum {
			return remove, fmt.Sprintf("removing %s would leave %d voters, under the min quorum of %d", sh.ID, voters-1, conf.MinQuorum)
		}
		remove = append(remove, sh)
		voters--
	}
	return remove, ""
}
