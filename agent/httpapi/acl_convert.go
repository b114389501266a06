package httpapi

import (
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

// Conversions between the stored ACL records and Consul's wire shapes.

// tokenIn is a token as a request body gives it: ExpirationTTL may be a
// duration string ("1h") or nanoseconds.
type tokenIn struct {
	api.ACLToken
	ExpirationTTL api.ReadableDuration
}

func toAPIToken(t *state.ACLToken, showSecret bool) *api.ACLToken {
	out := &api.ACLToken{
		CreateIndex: t.CreateIndex, ModifyIndex: t.ModifyIndex,
		AccessorID: t.AccessorID, SecretID: secretFor(t, showSecret), Description: t.Description,
		Policies: toAPILinks(t.Policies), Roles: toAPILinks(t.Roles),
		ServiceIdentities: toAPIServiceIdentities(t.ServiceIdentities),
		NodeIdentities:    toAPINodeIdentities(t.NodeIdentities),
		Local:             t.Local, ExpirationTTL: t.ExpirationTTL, CreateTime: t.CreateTime, Hash: t.Hash,
	}
	if t.ExpirationTime != nil {
		exp := *t.ExpirationTime
		out.ExpirationTime = &exp
	}
	return out
}

func toAPITokenListEntry(t *state.ACLToken, showSecret bool) *api.ACLTokenListEntry {
	out := &api.ACLTokenListEntry{
		CreateIndex: t.CreateIndex, ModifyIndex: t.ModifyIndex,
		AccessorID: t.AccessorID, SecretID: secretFor(t, showSecret), Description: t.Description,
		Policies: toAPILinks(t.Policies), Roles: toAPILinks(t.Roles),
		ServiceIdentities: toAPIServiceIdentities(t.ServiceIdentities),
		NodeIdentities:    toAPINodeIdentities(t.NodeIdentities),
		Local:             t.Local, CreateTime: t.CreateTime, Hash: t.Hash,
	}
	if t.ExpirationTime != nil {
		exp := *t.ExpirationTime
		out.ExpirationTime = &exp
	}
	return out
}

func secretFor(t *state.ACLToken, show bool) string {
	if show {
		return t.SecretID
	}
	return hiddenSecret
}

// fromTokenIn turns a request body into a token to store.
func fromTokenIn(in *tokenIn) *state.ACLToken {
	t := &state.ACLToken{
		AccessorID: in.AccessorID, SecretID: in.SecretID, Description: in.Description,
		Policies: fromAPILinks(in.Policies), Roles: fromAPILinks(in.Roles),
		ServiceIdentities: fromAPIServiceIdentities(in.ServiceIdentities),
		NodeIdentities:    fromAPINodeIdentities(in.NodeIdentities),
		Local:             in.Local, ExpirationTTL: in.ExpirationTTL.Duration(),
	}
	if in.ExpirationTime != nil {
		exp := in.ExpirationTime.UTC()
		t.ExpirationTime = &exp
	}
	return t
}

func toAPIPolicy(p *state.ACLPolicy) *api.ACLPolicy {
	return &api.ACLPolicy{
		ID: p.ID, Name: p.Name, Description: p.Description, Rules: p.Rules, Datacenters: p.Datacenters,
		Hash: p.Hash, CreateIndex: p.CreateIndex, ModifyIndex: p.ModifyIndex,
	}
}

func toAPIPolicyListEntry(p *state.ACLPolicy) *api.ACLPolicyListEntry {
	return &api.ACLPolicyListEntry{
		ID: p.ID, Name: p.Name, Description: p.Description, Datacenters: p.Datacenters,
		Hash: p.Hash, CreateIndex: p.CreateIndex, ModifyIndex: p.ModifyIndex,
	}
}

func fromAPIPolicy(in *api.ACLPolicy) *state.ACLPolicy {
	return &state.ACLPolicy{ID: in.ID, Name: in.Name, Description: in.Description, Rules: in.Rules, Datacenters: in.Datacenters}
}

func toAPIRole(r *state.ACLRole) *api.ACLRole {
	return &api.ACLRole{
		ID: r.ID, Name: r.Name, Description: r.Description, Policies: toAPILinks(r.Policies),
		ServiceIdentities: toAPIServiceIdentities(r.ServiceIdentities),
		NodeIdentities:    toAPINodeIdentities(r.NodeIdentities),
		Hash:              r.Hash, CreateIndex: r.CreateIndex, ModifyIndex: r.ModifyIndex,
	}
}

func fromAPIRole(in *api.ACLRole) *state.ACLRole {
	return &state.ACLRole{
		ID: in.ID, Name: in.Name, Description: in.Description, Policies: fromAPILinks(in.Policies),
		ServiceIdentities: fromAPIServiceIdentities(in.ServiceIdentities),
		NodeIdentities:    fromAPINodeIdentities(in.NodeIdentities),
	}
}

func toAPILinks(in []state.ACLLink) []*api.ACLLink {
	if len(in) == 0 {
		return nil
	}
	out := make([]*api.ACLLink, len(in))
	for i, l := range in {
		out[i] = &api.ACLLink{ID: l.ID, Name: l.Name}
	}
	return out
}

func fromAPILinks(in []*api.ACLLink) []state.ACLLink {
	var out []state.ACLLink
	for _, l := range in {
		if l != nil {
			out = append(out, state.ACLLink{ID: l.ID, Name: l.Name})
		}
	}
	return out
}

func toAPIServiceIdentities(in []state.ACLServiceIdentity) []*api.ACLServiceIdentity {
	if len(in) == 0 {
		return nil
	}
	out := make([]*api.ACLServiceIdentity, len(in))
	for i, si := range in {
		out[i] = &api.ACLServiceIdentity{ServiceName: si.ServiceName, Datacenters: si.Datacenters}
	}
	return out
}

func fromAPIServiceIdentities(in []*api.ACLServiceIdentity) []state.ACLServiceIdentity {
	var out []state.ACLServiceIdentity
	for _, si := range in {
		if si != nil {
			out = append(out, state.ACLServiceIdentity{ServiceName: si.ServiceName, Datacenters: si.Datacenters})
		}
	}
	return out
}

func toAPINodeIdentities(in []state.ACLNodeIdentity) []*api.ACLNodeIdentity {
	if len(in) == 0 {
		return nil
	}
	out := make([]*api.ACLNodeIdentity, len(in))
	for i, ni := range in {
		out[i] = &api.ACLNodeIdentity{NodeName: ni.NodeName, Datacenter: ni.Datacenter}
	}
	return out
}

func fromAPINodeIdentities(in []*api.ACLNodeIdentity) []state.ACLNodeIdentity {
	var out []state.ACLNodeIdentity
	for _, ni := range in {
		if ni != nil {
			out = append(out, state.ACLNodeIdentity{NodeName: ni.NodeName, Datacenter: ni.Datacenter})
		}
	}
	return out
}
