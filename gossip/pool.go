package gossip

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/serf/serf"
)

// eventBuffer is the room for serf events not yet handed to the
// EventHandler. Serf blocks when it is full.
const eventBuffer = 2048

// Pool is one gossip pool (LAN or WAN): a running serf instance. Its
// methods are safe for concurrent use.
type Pool struct {
	cfg    Config
	log    *slog.Logger
	serf   *serf.Serf
	events chan serf.Event
	done   chan struct{} // closed by Shutdown to stop the event loop
	wg     sync.WaitGroup
	once   sync.Once

	// keyring is memberlist's keyring, nil without encryption. keyMu
	// serializes keyring operations started here.
	keyring *memberlist.Keyring
	keyMu   sync.Mutex
}

// New starts a pool: it binds the gossip port, loads the keyring and the
// member snapshot from the data dir, and begins gossiping, alone until
// Join. Stop it with Shutdown (after Leave for a graceful exit).
func New(cfg Config) (*Pool, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	logger = logger.With("pool", cfg.poolName())
	sc, err := cfg.serfConfig(logger)
	if err != nil {
		return nil, err
	}
	p := &Pool{cfg: cfg, log: logger, events: make(chan serf.Event, eventBuffer), done: make(chan struct{}),
		keyring: sc.MemberlistConfig.Keyring}
	sc.EventCh = p.events
	p.wg.Add(1)
	go p.eventLoop()
	s, err := serf.Create(sc)
	if err != nil {
		close(p.done)
		p.wg.Wait()
		return nil, fmt.Errorf("gossip: start %s pool: %w", cfg.poolName(), err)
	}
	p.serf = s
	local := s.LocalMember()
	logger.Info("gossip pool started", "node", cfg.NodeName, "addr", local.Addr.String(), "port", local.Port,
		"encrypted", s.EncryptionEnabled())
	return p, nil
}

// serfConfig translates c into serf's and memberlist's configuration.
func (c Config) serfConfig(logger *slog.Logger) (*serf.Config, error) {
	mc := memberlist.DefaultLANConfig()
	if c.WAN {
		mc = memberlist.DefaultWANConfig()
	}
	mc.BindAddr = c.BindAddr
	if mc.BindAddr == "" {
		mc.BindAddr = "0.0.0.0"
	}
	mc.BindPort = c.BindPort
	mc.AdvertiseAddr, mc.AdvertisePort = c.AdvertiseAddr, c.AdvertisePort
	if mc.AdvertisePort == 0 {
		mc.AdvertisePort = c.BindPort
	}
	t := c.Timings
	if t == (Timings{}) {
		t = LANTimings()
		if c.WAN {
			t = WANTimings()
		}
	}
	mc.ProbeInterval, mc.ProbeTimeout = t.ProbeInterval, t.ProbeTimeout
	mc.GossipInterval, mc.GossipNodes = t.GossipInterval, t.GossipNodes
	mc.SuspicionMult, mc.RetransmitMult = t.SuspicionMult, t.RetransmitMult
	mc.PushPullInterval, mc.TCPTimeout = t.PushPullInterval, t.TCPTimeout
	if t.PushPullInterval > 0 {
		mc.GossipToTheDeadTime = t.PushPullInterval
	}
	mc.Logger = newStdLogger(logger)
	ring, err := loadKeyring(c)
	if err != nil {
		return nil, err
	}
	mc.Keyring = ring
	mc.GossipVerifyIncoming, mc.GossipVerifyOutgoing = !c.AcceptPlaintext, !c.SendPlaintext

	sc := serf.DefaultConfig()
	sc.MemberlistConfig = mc
	sc.NodeName = c.NodeName
	sc.Tags = c.Tags.Map()
	sc.Logger = mc.Logger
	sc.LeavePropagateDelay = t.LeavePropagateDelay
	sc.ReapInterval, sc.ReconnectInterval = t.ReapInterval, t.ReconnectInterval
	sc.TombstoneTimeout = t.TombstoneTimeout
	sc.UserCoalescePeriod, sc.UserQuiescentPeriod = t.UserCoalescePeriod, t.UserQuiescentPeriod
	// Queries (the keyring operations) wait QueryTimeoutMult gossip
	// intervals per log10 of the pool size for answers; give them at least
	// two seconds so fast gossip does not cut them short.
	sc.QueryTimeoutMult = max(sc.QueryTimeoutMult, int(2*time.Second/max(t.GossipInterval, time.Millisecond)))
	sc.ReconnectTimeout = c.ReconnectTimeout
	if sc.ReconnectTimeout == 0 {
		sc.ReconnectTimeout = 72 * time.Hour
	}
	sc.DisableCoordinates = c.DisableCoordinates
	sc.RejoinAfterLeave = c.RejoinAfterLeave
	sc.EnableNameConflictResolution = true
	if c.DataDir != "" {
		if err := os.MkdirAll(filepath.Join(c.DataDir, "serf"), 0o700); err != nil {
			return nil, fmt.Errorf("gossip: data dir: %w", err)
		}
		sc.SnapshotPath = c.snapshotPath()
		if ring != nil {
			sc.KeyringFile = c.keyringPath()
		}
	}
	return sc, nil
}

// Join contacts the given members ("host" or "host:port"; the default port
// is this pool's) and merges their view of the pool. It returns how many
// were reached; an error only if none was (ErrShutdown after Shutdown).
// Old user events are not replayed.
func (p *Pool) Join(addrs []string) (int, error) {
	if p.closed() {
		return 0, ErrShutdown
	}
	n, err := p.serf.Join(addrs, true)
	if err != nil {
		if n > 0 {
			p.log.Warn("gossip join reached some members", "joined", n, "of", len(addrs), "error", err)
			return n, nil
		}
		return 0, fmt.Errorf("gossip: join %v: %w", addrs, err)
	}
	p.log.Info("gossip join", "joined", n, "addrs", addrs)
	return n, nil
}

// Leave departs gracefully: it broadcasts the intent, waits for it to
// spread (LeavePropagateDelay) and stops answering. The others mark this
// member left. Call Shutdown afterwards.
func (p *Pool) Leave() error {
	if err := p.serf.Leave(); err != nil {
		return fmt.Errorf("gossip: leave: %w", err)
	}
	return nil
}

// Shutdown stops the pool without a leave: to the others it looks like a
// crash, and they mark this member failed. It is safe to call more than
// once.
func (p *Pool) Shutdown() error {
	var err error
	p.once.Do(func() {
		if e := p.serf.Shutdown(); e != nil {
			err = fmt.Errorf("gossip: shutdown: %w", e)
		}
		close(p.done)
		p.wg.Wait()
	})
	return err
}

// closed reports whether Shutdown has run.
func (p *Pool) closed() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Members returns every member this node knows, itself included, in any
// state (left and failed members stay until reaped).
func (p *Pool) Members() []Member { return fromSerfAll(p.serf.Members()) }

// LocalMember returns this node as the pool sees it, with the port bound.
func (p *Pool) LocalMember() Member { return fromSerf(p.serf.LocalMember()) }

// NumMembers counts the members that are not left or failed.
func (p *Pool) NumMembers() int {
	n := 0
	for _, m := range p.serf.Members() {
		if m.Status == serf.StatusAlive || m.Status == serf.StatusLeaving {
			n++
		}
	}
	return n
}

// SetTags replaces this member's tags and gossips them; the others see an
// update event.
func (p *Pool) SetTags(t Tags) error {
	if err := p.serf.SetTags(t.Map()); err != nil {
		return fmt.Errorf("gossip: set tags: %w", err)
	}
	return nil
}

// ForceLeave moves a failed member to left so it is no longer retried, as
// Consul's force-leave. With prune it is also forgotten at once instead of
// after the tombstone timeout. A member that is alive refutes it.
func (p *Pool) ForceLeave(name string, prune bool) error {
	var err error
	if prune {
		err = p.serf.RemoveFailedNodePrune(name)
	} else {
		err = p.serf.RemoveFailedNode(name)
	}
	if err != nil {
		return fmt.Errorf("gossip: force leave %q: %w", name, err)
	}
	p.log.Info("gossip force leave", "node", name, "prune", prune)
	return nil
}

// Encrypted reports whether the pool encrypts its gossip.
func (p *Pool) Encrypted() bool { return p.serf.EncryptionEnabled() }

// Stats returns serf's and memberlist's counters (members, failed, left,
// event and query clocks, encrypted, ...) for the agent's self endpoint.
func (p *Pool) Stats() map[string]string { return p.serf.Stats() }
