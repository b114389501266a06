package checks

// Check statuses, spelled as in the catalog (server/state's Health*
// constants). They are repeated here so that runners do not pull in the
// state store.
const (
	passing  = "passing"
	warning  = "warning"
	critical = "critical"
)
