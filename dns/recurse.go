package dns

import (
	"context"
	"math/rand/v2"

	"github.com/miekg/dns"
)

// recurse forwards req, a name outside the domain, to the recursors and
// returns their answer. Without recursors the query is REFUSED — or, for a
// reverse name the catalog does not know, SERVFAIL, as Consul answers; when
// every recursor fails it is SERVFAIL.
func (s *Server) recurse(r *reply, req *dns.Msg, reverse bool) *dns.Msg {
	if len(s.recursors) == 0 {
		if reverse {
			r.fail(dns.RcodeServerFailure)
		} else {
			r.fail(dns.RcodeRefused)
		}
		return nil
	}
	network := "udp"
	if r.tcp {
		network = "tcp"
	}
	if resp := s.forward(req, network); resp != nil {
		return resp
	}
	r.fail(dns.RcodeServerFailure)
	return nil
}

// forward asks the recursors in the configured order and returns the first
// answer that is NOERROR or NXDOMAIN; a recursor that errs, times out or
// answers otherwise is skipped.
func (s *Server) forward(req *dns.Msg, network string) *dns.Msg {
	c := &dns.Client{Net: network, Timeout: s.cfg.RecursorTimeout}
	for _, i := range s.recursorOrder() {
		addr := s.recursors[i]
		if s.ctx.Err() != nil {
			return nil
		}
		resp, err := s.exchange(c, req, addr)
		switch {
		case err != nil:
			s.log.Warn("dns recursor failed", "recursor", addr, "name", questionName(req), "error", err)
		case resp.Rcode == dns.RcodeSuccess || resp.Rcode == dns.RcodeNameError:
			return resp
		default:
			s.log.Debug("dns recursor refused", "recursor", addr, "name", questionName(req), "rcode", dns.RcodeToString[resp.Rcode])
		}
	}
	return nil
}

// exchange sends req to one recursor. Shutdown closes the connection, so an
// exchange in flight does not hold the server up for its full timeout.
func (s *Server) exchange(c *dns.Client, req *dns.Msg, addr string) (*dns.Msg, error) {
	co, err := c.DialContext(s.ctx, addr)
	if err != nil {
		return nil, err
	}
	defer co.Close()
	stop := context.AfterFunc(s.ctx, func() { co.Close() })
	defer stop()
	resp, _, err := c.ExchangeWithConnContext(s.ctx, req, co)
	return resp, err
}

func (s *Server) recursorOrder() []int {
	if s.cfg.RecursorStrategy == RecursorRandom {
		return rand.Perm(len(s.recursors))
	}
	order := make([]int, len(s.recursors))
	for i := range order {
		order[i] = i
	}
	return order
}

// lookupExternal resolves a hostname outside the domain through the
// recursors, for the records that follow a CNAME answer.
func (s *Server) lookupExternal(name string, qtype uint16) []dns.RR {
	if len(s.recursors) == 0 {
		return nil
	}
	req := new(dns.Msg)
	req.SetQuestion(name, qtype)
	resp := s.forward(req, "udp")
	if resp == nil {
		return nil
	}
	return resp.Answer
}

// writeForwarded sends a recursor's answer to the client under the client's
// query ID, trimmed (with TC) to what the client takes.
func (s *Server) writeForwarded(w dns.ResponseWriter, r *reply, resp *dns.Msg) {
	resp.Id = r.msg.Id
	resp.RecursionAvailable = true
	resp.Compress = !s.cfg.DisableCompression
	if resp.Len() > r.size {
		resp.Truncate(r.size)
	}
	s.send(w, r, resp)
}
