package wire

import emcdp "github.com/emcdp/emcdp"

// BackupServer writes a BackupServer (GET /backupServers/{id}).
func (e Encoder) BackupServer(dst []byte, base string, v *emcdp.BackupServer, r Rep) []byte {
	if v == nil {
		return e.nothing(dst)
	}
	dst = e.begin(dst)
	if e.json() {
		dst = jServer(dst, e.keys(), base, v, r)
	} else {
		dst = xServer(dst, 0, base, v, r)
	}
	return e.end(dst)
}

func serverHead(base string, v *emcdp.BackupServer) head {
	return head{k: kServer, base: base, id: v.ID, name: v.Name, selfPath: kServer.coll}
}

// serverLinks fills a with a backup server's links (monitoring.md §11): the
// entity's Alternate, then Down to its jobs and repositories; the
// reference's Down links first, then Alternate.
func serverLinks(a *[3]link, base string, v *emcdp.BackupServer, r Rep) []link {
	jobs := idLink("Down", "JobReferenceList", "", base, kServer.coll, v.ID, "/jobs")
	repos := idLink("Down", "RepositoryReferenceList", "", base, kServer.coll, v.ID, "/repositories")
	alt := alternate(kServer, base, v.ID, v.Name, r)
	if r == Entity {
		*a = [3]link{alt, jobs, repos}
	} else {
		*a = [3]link{jobs, repos, alt}
	}
	return a[:]
}

func xServer(b []byte, ind int, base string, v *emcdp.BackupServer, r Rep) []byte {
	h := serverHead(base, v)
	var a [3]link
	links := serverLinks(&a, base, v, r)
	if r != Entity {
		return xRef(b, ind, refElem(ind), &h, links)
	}
	const elem = "BackupServer"
	b = xEntityOpen(b, ind, elem, &h, links)
	b = xString(b, ind+1, "Description", v.Description)
	b = xInt(b, ind+1, "Port", int64(v.Port))
	b = xString(b, ind+1, "Version", v.Version)
	b = xInt(b, ind+1, "WcfPort", int64(v.WcfPort))
	b = xString(b, ind+1, "VbrCertificateThumbprint", v.VbrCertificateThumbprint)
	return xClose(b, ind, elem)
}

func jServer(b []byte, ks *keys, base string, v *emcdp.BackupServer, r Rep) []byte {
	h := serverHead(base, v)
	var a [3]link
	links := serverLinks(&a, base, v, r)
	if r != Entity {
		return jRef(b, ks, &h, links)
	}
	b = append(b, '{')
	b = jString(b, ks.Description, v.Description)
	b = jInt(b, ks.Port, int64(v.Port))
	b = jString(b, ks.Version, v.Version)
	b = jInt(b, ks.WcfPort, int64(v.WcfPort))
	b = jString(b, ks.VbrCertificateThumbprint, v.VbrCertificateThumbprint)
	return jEntityTail(b, ks, &h, "", links)
}

// List writes a collection answer for kind k from the slice of res that
// belongs to k: EntityReferences with one Ref per item (Reference), or the
// plural entity list, e.g. CdpReplicaTaskSessions (Entity). JSON:
// {"Refs":[…]} or {"CdpReplicaTaskSessions":[…]}.
func (e Encoder) List(dst []byte, base string, k emcdp.Kind, res *emcdp.QueryResult, r Rep) []byte {
	if kindOf(k) == nil || res == nil {
		return e.nothing(dst)
	}
	w := e.ListWriter(k, r)
	if res.Len() == 0 {
		return w.Open(dst, true)
	}
	return w.Close(w.Items(w.Open(dst, false), base, res))
}

// listKey returns the JSON key of k's entity list.
func listKey(ks *keys, k emcdp.Kind) string {
	switch k {
	case emcdp.KindBackupServer:
		return ks.BackupServers
	case emcdp.KindCdpPolicy:
		return ks.CdpPolicies
	case emcdp.KindCdpReplicaSession:
		return ks.CdpReplicaSessions
	case emcdp.KindCdpReplicaTaskSession:
		return ks.CdpReplicaTaskSessions
	}
	if ki := kindOf(k); ki != nil {
		for i, n := range entityListNames {
			if n == ki.list {
				return ks.EntityLists[i]
			}
		}
		if ks == profileKeys[V13] {
			return ki.jlist[1]
		}
		return ki.jlist[0]
	}
	return ks.CdpReplicaTaskSessions
}

// itemCount returns the number of items of kind k in res.
func itemCount(k emcdp.Kind, res *emcdp.QueryResult) int {
	switch k {
	case emcdp.KindBackupServer:
		return len(res.BackupServers)
	case emcdp.KindCdpPolicy:
		return len(res.CdpPolicies)
	case emcdp.KindCdpReplicaSession:
		return len(res.PolicySessions)
	case emcdp.KindCdpReplicaTaskSession:
		return len(res.TaskSessions)
	}
	return len(res.Items)
}

// xList writes the list element elem holding the items of kind k, or an
// empty element when there are none. q2 names policy session entities
// CdpPolicySession, as query results do.
func xList(b []byte, ind int, elem, base string, k emcdp.Kind, res *emcdp.QueryResult, r Rep, q2 bool) []byte {
	root := ind == 0
	if itemCount(k, res) == 0 {
		return xEmptyEnd(xOpen(b, ind, elem), root)
	}
	b = xStart(b, ind, elem, root)
	in := ind + 1
	switch k {
	case emcdp.KindBackupServer:
		for i := range res.BackupServers {
			b = xServer(b, in, base, &res.BackupServers[i], r)
		}
	case emcdp.KindCdpPolicy:
		for i := range res.CdpPolicies {
			b = xPolicy(b, in, base, &res.CdpPolicies[i], r)
		}
	case emcdp.KindCdpReplicaSession:
		name := kSession.typ
		if q2 {
			name = "CdpPolicySession"
		}
		for i := range res.PolicySessions {
			b = xPolicySession(b, in, base, &res.PolicySessions[i], r, name)
		}
	case emcdp.KindCdpReplicaTaskSession:
		for i := range res.TaskSessions {
			b = xTaskSession(b, in, base, &res.TaskSessions[i], r)
		}
	default:
		if d := emcdp.DescOf(k); d != nil {
			for _, it := range res.Items {
				b = xDesc(b, in, base, d, it, r)
			}
		}
	}
	return xClose(b, ind, elem)
}

// jItems writes the items of kind k as array members.
func jItems(b []byte, ks *keys, base string, k emcdp.Kind, res *emcdp.QueryResult, r Rep) []byte {
	switch k {
	case emcdp.KindBackupServer:
		for i := range res.BackupServers {
			b = jServer(jSep(b), ks, base, &res.BackupServers[i], r)
		}
	case emcdp.KindCdpPolicy:
		for i := range res.CdpPolicies {
			b = jPolicy(jSep(b), ks, base, &res.CdpPolicies[i], r)
		}
	case emcdp.KindCdpReplicaSession:
		for i := range res.PolicySessions {
			b = jPolicySession(jSep(b), ks, base, &res.PolicySessions[i], r)
		}
	case emcdp.KindCdpReplicaTaskSession:
		for i := range res.TaskSessions {
			b = jTaskSession(jSep(b), ks, base, &res.TaskSessions[i], r)
		}
	default:
		if d := emcdp.DescOf(k); d != nil {
			for _, it := range res.Items {
				b = jDesc(jSep(b), ks, ks == profileKeys[V13], base, d, it, r)
			}
		}
	}
	return b
}
