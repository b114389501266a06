// Package local holds the agent's own view of the services and checks it is
// responsible for, and keeps the catalog in line with it (anti-entropy).
//
// The agent is authoritative for its node: State records what the agent
// registered (from config files and the agent HTTP API) and what its check
// runners last reported; Syncer pushes every difference to the catalog at
// once and repairs drift on a periodic full pass, deleting from the catalog
// what the agent no longer has.
//
// It imports server/state for the record types only, and talks to the
// catalog through the small Catalog interface that the agent satisfies.
package local
