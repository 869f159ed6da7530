package sqlgen

import "github.com/emcdp/emcdp"

// The column lists that every store selects, in the order its scanners read
// them. Both stores' schemas name their columns so (emcdp.Field.Column names
// the queryable ones).
const (
	ServerCols = "id, name, description, port, version, wcf_port, vbr_certificate_thumbprint"
	PolicyCols = "id, name, backup_server_id, backup_server_name, platform, description, schedule_configured, " +
		"schedule_enabled, next_run, schedule_options, guest_options"
	ObjectCols        = "policy_id, id, hierarchy_obj_ref, name, display_name, guest_options, total_size"
	PolicySessionCols = "id, name, policy_id, policy_name, backup_server_id, backup_server_name, creation_time, end_time, state, result, progress, failure_message, is_retry"
	TaskSessionCols   = "id, name, policy_session_id, policy_session_name, policy_id, backup_server_id, backup_server_name, vm_display_name, creation_time, end_time, state, result, reason, total_size"
)

// Table describes how a kind is stored.
type Table struct {
	Name    string
	Cols    string // the columns a read selects
	Counted bool   // its row count is kept in row_counts, so an unfiltered count reads one row
}

// Tables maps every kind to its table.
var Tables = descTables(map[emcdp.Kind]Table{
	emcdp.KindBackupServer:          {"backup_servers", ServerCols, false},
	emcdp.KindCdpPolicy:             {"cdp_policies", PolicyCols, false},
	emcdp.KindCdpReplicaSession:     {"policy_sessions", PolicySessionCols, true},
	emcdp.KindCdpReplicaTaskSession: {"task_sessions", TaskSessionCols, true},
})
