package state

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

var (
	aclPolicyNameRE = regexp.MustCompile(`^[A-Za-z0-9\-_]{1,128}$`)
	aclRoleNameRE   = regexp.MustCompile(`^[A-Za-z0-9\-_]{1,256}$`)
	// aclIdentityNameRE is the shape of a service or node identity's name.
	aclIdentityNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9\-_]*[a-z0-9])?$`)
	aclUUIDRE         = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

const aclIdentityNameMax = 256

// ValidACLID reports whether id can name a new ACL record: a UUID outside
// the range reserved for built-ins.
func ValidACLID(id string) bool {
	return aclUUIDRE.MatchString(id) && !strings.HasPrefix(id, aclReservedIDPrefix)
}

func invalidACL(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidACL, fmt.Sprintf(format, args...))
}

func validateServiceIdentities(ids []ACLServiceIdentity) error {
	for _, si := range ids {
		if len(si.ServiceName) > aclIdentityNameMax || !aclIdentityNameRE.MatchString(si.ServiceName) {
			return invalidACL("service identity name %q must be lowercase alphanumerics, '-' and '_', starting and ending alphanumeric", si.ServiceName)
		}
	}
	return nil
}

func validateNodeIdentities(ids []ACLNodeIdentity) error {
	for _, ni := range ids {
		if len(ni.NodeName) > aclIdentityNameMax || !aclIdentityNameRE.MatchString(ni.NodeName) {
			return invalidACL("node identity name %q must be lowercase alphanumerics, '-' and '_', starting and ending alphanumeric", ni.NodeName)
		}
		if ni.Datacenter == "" {
			return invalidACL("node identity %q needs a datacenter", ni.NodeName)
		}
	}
	return nil
}

// aclHash is a digest of a record's content, as the Hash field.
func aclHash(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return nil // cannot happen: the inputs are plain data
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

func policyHash(p *ACLPolicy) []byte {
	return aclHash([]any{p.Name, p.Description, p.Rules, p.Datacenters})
}

func roleHash(r *ACLRole) []byte {
	return aclHash([]any{r.Name, r.Description, r.Policies, r.ServiceIdentities, r.NodeIdentities})
}

func tokenHash(t *ACLToken) []byte {
	return aclHash([]any{t.Description, t.Policies, t.Roles, t.ServiceIdentities, t.NodeIdentities, t.Local})
}
