package sqlgen

import "github.com/emcdp/emcdp"

// The column lists of the tables that are not described (a policy and its
// includes), in the order the stores' scanners read them.
const (
	PolicyCols = "id, name, backup_server_id, backup_server_name, platform, description, schedule_configured, " +
		"schedule_enabled, next_run, schedule_options, guest_options"
	ObjectCols = "policy_id, id, hierarchy_obj_ref, name, display_name, guest_options, total_size"
)

// Table describes how a kind is stored.
type Table struct {
	Name    string
	Cols    string // the columns a read selects
	Counted bool   // its row count is kept in row_counts, so an unfiltered count reads one row
	// Bucketed: its rows are also counted per day of creation in
	// CountsTable (a session kind whose creation time never changes).
	Bucketed bool
}

// Tables maps every kind to its table: CdpPolicy's here, the described
// kinds' from their descriptions.
var Tables = descTables(map[emcdp.Kind]Table{
	emcdp.KindCdpPolicy: {Name: "cdp_policies", Cols: PolicyCols},
})
