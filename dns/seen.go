package dns

import "net/netip"

// seenSet remembers what one response already holds, to drop duplicates.
// It scans a short list and switches to a map once the list grows, so the
// common small answer allocates nothing and a large TCP answer stays
// linear.
type seenSet[K comparable] struct {
	list []K
	set  map[K]struct{}
}

const seenListMax = 32

// add records k and reports whether it was already recorded.
func (s *seenSet[K]) add(k K) (dup bool) {
	if s.set != nil {
		if _, ok := s.set[k]; ok {
			return true
		}
		s.set[k] = struct{}{}
		return false
	}
	for _, x := range s.list {
		if x == k {
			return true
		}
	}
	s.list = append(s.list, k)
	if len(s.list) > seenListMax {
		s.set = make(map[K]struct{}, 4*seenListMax)
		for _, x := range s.list {
			s.set[x] = struct{}{}
		}
	}
	return false
}

func (s *seenSet[K]) reset() {
	clear(s.list)
	s.list = s.list[:0]
	s.set = nil
}

// srvKey identifies an SRV answer: the same target and port twice is a
// duplicate.
type srvKey struct {
	target string
	port   int
}

// rrKey identifies an additional record set by owner and type.
type rrKey struct {
	name  string
	rtype uint16
}

// seen holds the duplicate sets of one reply.
type seen struct {
	ips   seenSet[netip.Addr]
	srvs  seenSet[srvKey]
	extra seenSet[rrKey]
}

func (s *seen) reset() {
	s.ips.reset()
	s.srvs.reset()
	s.extra.reset()
}
