package wire

import (
	"net/http"

	emcdp "github.com/emcdp/emcdp"
)

// EntryPoint writes the EnterpriseManager resource (GET /api/): links to the
// logon sessions and to a logon with the latest version, then one
// SupportedVersion per name in versions, each with its own logon link.
// As on the real server, the XML root carries no Href or Type and the JSON
// object ends with both null (the real v12.3 and v13.0 replies,
// peekjef72/httpapi_exporter contribs/veeam/etc/veeam/profiles/samples/
// veeam_api_v12.json and veeam_api_v13.json).
func (e Encoder) EntryPoint(dst []byte, base string, versions []string) []byte {
	links := [2]link{
		pathLink("Down", "LogonSessionList", base, "/logonSessions"),
		{rel: "Create", typ: "LogonSession", base: base, path: "/sessionMngr/?v=", tail: "latest"},
	}
	dst = e.begin(dst)
	if e.json() {
		ks := e.keys()
		dst = append(dst, '{')
		dst = append(jKey(dst, ks.SupportedVersions), '{')
		dst = append(jKey(dst, ks.SupportedVersions), '[')
		for _, v := range versions {
			l := [1]link{versionLink(base, v)}
			dst = append(jSep(dst), '{')
			dst = jLinks(dst, ks, l[:])
			dst = jString(dst, ks.Name, v)
			dst = append(dst, '}')
		}
		dst = append(dst, ']', '}')
		dst = jLinks(dst, ks, links[:])
		dst = jNull(dst, ks.Href)
		dst = jNull(dst, ks.Type)
		dst = append(dst, '}')
	} else {
		const elem = "EnterpriseManager"
		dst = xStart(dst, 0, elem, true)
		dst = xLinks(dst, 1, links[:])
		if len(versions) == 0 {
			dst = append(xOpen(dst, 1, "SupportedVersions"), " />"...)
		} else {
			dst = xStart(dst, 1, "SupportedVersions", false)
			for _, v := range versions {
				l := [1]link{versionLink(base, v)}
				dst = xOpen(dst, 2, "SupportedVersion")
				dst = xAttr(dst, "Name", v)
				dst = append(dst, '>')
				dst = xLinks(dst, 3, l[:])
				dst = xClose(dst, 2, "SupportedVersion")
			}
			dst = xClose(dst, 1, "SupportedVersions")
		}
		dst = xClose(dst, 0, elem)
	}
	return e.end(dst)
}

// versionLink is the logon link of one API version.
func versionLink(base, version string) link {
	return link{rel: "Create", typ: "LogonSession", base: base, path: "/sessionMngr/?v=", tail: version}
}

// logonLists are the Down links of a logon session that this server serves,
// in the real order (monitoring.md §11): the reference lists, the tasks, the
// query service and the summary report, then the entity lists.
var logonLists = [...]struct{ typ, name, path string }{
	{"BackupServerReferenceList", "", "/backupServers"},
	{"JobReferenceList", "", "/jobs"},
	{"RepositoryReferenceList", "", "/repositories"},
	{"BackupReferenceList", "", "/backups"},
	{"RestorePointReferenceList", "", "/restorePoints"},
	{"VmRestorePointReferenceList", "", "/vmRestorePoints"},
	{"BackupJobSessionReferenceList", "", "/backupSessions"},
	{"ReplicaJobSessionReferenceList", "", "/replicaSessions"},
	{"BackupTaskSessionReferenceList", "", "/backupTaskSessions"},
	{"ReplicaTaskSessionReferenceList", "", "/replicaTaskSessions"},
	{"BackupFileReferenceList", "", "/backupFiles"},
	{"CdpPolicyReferenceList", "", "/cdpPolicies"},
	{"CdpReplicaSessionReferenceList", "", "/cdpReplicaSessions"},
	{"CdpReplicaTaskSessionReferenceList", "", "/cdpReplicaTaskSessions"},
	{"TaskList", "", "/tasks"},
	{"QueryService", "", "/querySvc"},
	{"Report", "Summary", "/reports/summary"},
	{"BackupServerList", "", "/backupServers?format=Entity"},
	{"JobList", "", "/jobs?format=Entity"},
	{"RepositoryList", "", "/repositories?format=Entity"},
	{"BackupList", "", "/backups?format=Entity"},
	{"RestorePointList", "", "/restorePoints?format=Entity"},
	{"VmRestorePointList", "", "/vmRestorePoints?format=Entity"},
	{"BackupJobSessionList", "", "/backupSessions?format=Entity"},
	{"ReplicaJobSessionList", "", "/replicaSessions?format=Entity"},
	{"BackupTaskSessionList", "", "/backupTaskSessions?format=Entity"},
	{"ReplicaTaskSessionList", "", "/replicaTaskSessions?format=Entity"},
	{"BackupFileList", "", "/backupFiles?format=Entity"},
	{"CdpPolicyList", "", "/cdpPolicies?format=Entity"},
	{"CdpReplicaSessionList", "", "/cdpReplicaSessions?format=Entity"},
	{"CdpReplicaTaskSessionList", "", "/cdpReplicaTaskSessions?format=Entity"},
}

// logonLinks fills a with a logon session's links: Up to the entry point,
// Down to every served list, and Delete (log out) last.
func logonLinks(a *[len(logonLists) + 2]link, base string, id emcdp.ID) []link {
	a[0] = pathLink("Up", "EnterpriseManager", base, "/")
	for i, l := range logonLists {
		a[i+1] = link{rel: "Down", typ: l.typ, name: l.name, base: base, path: l.path}
	}
	a[len(a)-1] = idLink("Delete", "", "", base, "/logonSessions/", id, "")
	return a[:]
}

// LogonSession writes a LogonSession (the logon answer and
// GET /logonSessions/{id}).
func (e Encoder) LogonSession(dst []byte, base string, s *emcdp.LogonSession) []byte {
	if s == nil {
		return e.nothing(dst)
	}
	dst = e.begin(dst)
	if e.json() {
		dst = jLogon(dst, e.keys(), base, s)
	} else {
		dst = xLogon(dst, 0, base, s)
	}
	return e.end(dst)
}

// LogonSessions writes the LogonSessions list (GET /logonSessions).
func (e Encoder) LogonSessions(dst []byte, base string, s []emcdp.LogonSession) []byte {
	dst = e.begin(dst)
	if e.json() {
		ks := e.keys()
		dst = append(dst, '{')
		dst = append(jKey(dst, ks.LogonSessions), '[')
		for i := range s {
			dst = jLogon(jSep(dst), ks, base, &s[i])
		}
		dst = append(dst, ']', '}')
	} else {
		const elem = "LogonSessions"
		if len(s) == 0 {
			dst = xEmptyEnd(xOpen(dst, 0, elem), true)
		} else {
			dst = xStart(dst, 0, elem, true)
			for i := range s {
				dst = xLogon(dst, 1, base, &s[i])
			}
			dst = xClose(dst, 0, elem)
		}
	}
	return e.end(dst)
}

func xLogon(b []byte, ind int, base string, s *emcdp.LogonSession) []byte {
	var a [len(logonLists) + 2]link
	links := logonLinks(&a, base, s.ID)
	const elem = "LogonSession"
	b = xOpen(b, ind, elem)
	b = append(b, ` Href="`...)
	b = appendXMLAttr(b, base)
	b = append(b, "/logonSessions/"...)
	b = s.ID.AppendTo(b)
	b = append(b, `" Type="LogonSession"`...)
	b = xOpenEnd(b, ind == 0)
	b = xLinks(b, ind+1, links)
	b = xString(b, ind+1, "UserName", s.UserName)
	b = xLeafOpen(b, ind+1, "SessionId")
	b = s.ID.AppendTo(b)
	b = xLeafClose(b, "SessionId")
	return xClose(b, ind, elem)
}

func jLogon(b []byte, ks *keys, base string, s *emcdp.LogonSession) []byte {
	var a [len(logonLists) + 2]link
	links := logonLinks(&a, base, s.ID)
	b = append(b, '{')
	b = jString(b, ks.UserName, s.UserName)
	b = append(jKey(b, ks.SessionId), '"')
	b = s.ID.AppendTo(b)
	b = append(b, '"')
	b = jLinks(b, ks, links)
	b = append(jKey(b, ks.Href), '"')
	b = appendJSONChars(b, base)
	b = append(b, "/logonSessions/"...)
	b = s.ID.AppendTo(b)
	b = append(b, '"')
	b = jString(b, ks.Type, "LogonSession")
	return append(b, '}')
}

// Error writes an Error body. XML: <Error Message="…" StatusCode="…" …/>,
// never with a stack trace. JSON: FirstChanceExceptionMessage, Message,
// StackTrace, Status, StatusCode, in that order, nulls kept.
func (e Encoder) Error(dst []byte, status int, message string) []byte {
	dst = e.begin(dst)
	if e.json() {
		ks := e.keys()
		dst = append(dst, '{')
		dst = jNull(dst, ks.FirstChanceExceptionMessage)
		dst = jString(dst, ks.Message, message)
		dst = jNull(dst, ks.StackTrace)
		dst = jNull(dst, ks.Status)
		dst = jInt(dst, ks.StatusCode, int64(status))
		dst = append(dst, '}')
	} else {
		dst = xOpen(dst, 0, "Error")
		dst = xAttr(dst, "Message", message)
		dst = append(dst, ` StatusCode="`...)
		dst = appendInt(dst, int64(status))
		dst = append(dst, '"')
		dst = xEmptyEnd(dst, true)
	}
	return e.end(dst)
}

// nothing answers a call that was given no value to write (a nil resource or
// an unknown kind), which is a defect of the caller: rather than panic or
// write a body that looks valid, it writes a 500 Error body.
func (e Encoder) nothing(dst []byte) []byte {
	return e.Error(dst, http.StatusInternalServerError, "Internal error: there is no resource to write")
}
