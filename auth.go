package emcdp

import (
	"crypto/sha256"
	"strings"
	"time"
)

// Role is an Enterprise Manager role. Every role may read everything served.
type Role string

// The roles of Enterprise Manager.
const (
	RolePortalAdministrator Role = "PortalAdministrator"
	RolePortalUser          Role = "PortalUser"
	RoleRestoreOperator     Role = "RestoreOperator"
)

// Roles lists the valid roles.
var Roles = []Role{RolePortalAdministrator, RolePortalUser, RoleRestoreOperator}

// ParseRole matches a role name case-insensitively.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles {
		if strings.EqualFold(string(r), s) {
			return r, true
		}
	}
	return "", false
}

// User is an account that may log on. Name is the key, stored in the form
// UserKey gives; PasswordHash is a bcrypt hash.
type User struct {
	Name         string
	PasswordHash string
	Role         Role
	Created      time.Time
}

// UserKey returns the canonical form of a user name as typed at logon:
// lower-case, with a leading "DOMAIN\" or trailing "@domain" removed, so that
// "LAB\operator", "operator@lab" and "Operator" name the same account.
func UserKey(typed string) string {
	s := typed
	if i := strings.LastIndexByte(s, '\\'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	return strings.ToLower(s)
}

// LogonSession is a session opened by POST /api/sessionMngr/. The token that
// clients send is base64(ID.String()).
type LogonSession struct {
	ID       ID
	UserName string // as the user typed it at logon
	UserKey  string // UserKey(UserName): whose session it is
	Created  time.Time
	LastSeen time.Time // renewed by every authenticated request
}

// LogonSessionKey returns the SHA-256 of a logon session's 16 id bytes: the
// key under which every store keeps the session. The id itself is never
// stored, so a copy of a database holds no token that could be sent back.
func LogonSessionKey(id ID) []byte {
	h := sha256.Sum256(id[:])
	return h[:]
}
