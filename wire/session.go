package wire

import emcdp "github.com/emcdp/emcdp"

// refElem is the element of a reference: EntityRef at the root, Ref in a list.
func refElem(ind int) string {
	if ind == 0 {
		return "EntityRef"
	}
	return "Ref"
}

// TaskSession writes a CdpReplicaTaskSession (GET /cdpReplicaTaskSessions/{id}).
// The entity's own Href uses /replicaTaskSessions/ (quirk Q1).
func (e Encoder) TaskSession(dst []byte, base string, v *emcdp.TaskSession, r Rep) []byte {
	if v == nil {
		return e.nothing(dst)
	}
	dst = e.begin(dst)
	if e.json() {
		dst = jTaskSession(dst, e.keys(), base, v, r)
	} else {
		dst = xTaskSession(dst, 0, base, v, r)
	}
	return e.end(dst)
}

// PolicySession writes a CdpReplicaSession (GET /cdpReplicaSessions/{id}).
func (e Encoder) PolicySession(dst []byte, base string, v *emcdp.PolicySession, r Rep) []byte {
	if v == nil {
		return e.nothing(dst)
	}
	dst = e.begin(dst)
	if e.json() {
		dst = jPolicySession(dst, e.keys(), base, v, r)
	} else {
		dst = xPolicySession(dst, 0, base, v, r, kSession.typ)
	}
	return e.end(dst)
}

func taskHead(base string, v *emcdp.TaskSession) head {
	return head{k: kTask, base: base, id: v.ID, name: v.Name, selfPath: "/replicaTaskSessions/",
		extraName: "VmDisplayName", extraVal: v.VmDisplayName}
}

// taskLinks fills a with the task session's links: Up to its backup server,
// Up to its policy session, Alternate.
func taskLinks(a *[3]link, base string, v *emcdp.TaskSession, r Rep) []link {
	a[0] = idLink("Up", kServer.ref, v.BackupServerName, base, kServer.coll, v.BackupServerID, "")
	a[1] = idLink("Up", kSession.ref, v.PolicySessionName, base, kSession.coll, v.PolicySessionID, "")
	a[2] = alternate(kTask, base, v.ID, v.Name, r)
	return a[:]
}

func xTaskSession(b []byte, ind int, base string, v *emcdp.TaskSession, r Rep) []byte {
	h := taskHead(base, v)
	var a [3]link
	links := taskLinks(&a, base, v, r)
	if r != Entity {
		return xRef(b, ind, refElem(ind), &h, links)
	}
	const elem = "CdpReplicaTaskSession"
	b = xEntityOpen(b, ind, elem, &h, links)
	in := ind + 1
	b = xUID(b, in, "PolicySessionUid", kSession, v.PolicySessionID)
	b = xTime(b, in, "CreationTimeUTC", v.CreationTime)
	b = xTime(b, in, "EndTimeUTC", v.EndTime)
	b = xString(b, in, "State", v.State.String())
	b = xString(b, in, "Result", v.Result.String())
	b = xOptString(b, in, "Reason", v.Reason)
	b = xInt(b, in, "TotalSize", v.TotalSize)
	return xClose(b, ind, elem)
}

func jTaskSession(b []byte, ks *keys, base string, v *emcdp.TaskSession, r Rep) []byte {
	h := taskHead(base, v)
	var a [3]link
	links := taskLinks(&a, base, v, r)
	if r != Entity {
		return jRef(b, ks, &h, links)
	}
	b = append(b, '{')
	b = jUID(b, ks.PolicySessionUid, kSession, v.PolicySessionID)
	b = jTime(b, ks.CreationTimeUTC, v.CreationTime)
	b = jTime(b, ks.EndTimeUTC, v.EndTime)
	b = jString(b, ks.State, v.State.String())
	b = jString(b, ks.Result, v.Result.String())
	b = jOptString(b, ks.Reason, v.Reason)
	b = jInt(b, ks.TotalSize, v.TotalSize)
	return jEntityTail(b, ks, &h, ks.VmDisplayName, links)
}

func sessionHead(base string, v *emcdp.PolicySession) head {
	return head{k: kSession, base: base, id: v.ID, name: v.Name, selfPath: kSession.coll}
}

// sessionLinks fills a with the policy session's links: Up to its backup
// server, Up to its policy, Alternate, Down to its task sessions.
func sessionLinks(a *[4]link, base string, v *emcdp.PolicySession, r Rep) []link {
	a[0] = idLink("Up", kServer.ref, v.BackupServerName, base, kServer.coll, v.BackupServerID, "")
	a[1] = idLink("Up", kPolicy.ref, v.PolicyName, base, kPolicy.coll, v.PolicyID, "")
	a[2] = alternate(kSession, base, v.ID, v.Name, r)
	a[3] = idLink("Down", "CdpReplicaTaskSessionReferenceList", "", base, kSession.coll, v.ID, "/cdpReplicaTaskSessions")
	return a[:]
}

// xPolicySession writes a policy session; elem is the entity's element
// name, CdpReplicaSession everywhere but in query results (quirk Q2).
func xPolicySession(b []byte, ind int, base string, v *emcdp.PolicySession, r Rep, elem string) []byte {
	h := sessionHead(base, v)
	var a [4]link
	links := sessionLinks(&a, base, v, r)
	if r != Entity {
		return xRef(b, ind, refElem(ind), &h, links)
	}
	b = xEntityOpen(b, ind, elem, &h, links)
	in := ind + 1
	b = xUID(b, in, "PolicyUid", kPolicy, v.PolicyID)
	b = xString(b, in, "PolicyName", v.PolicyName)
	b = xString(b, in, "PolicyType", emcdp.PolicyType)
	b = xTime(b, in, "CreationTimeUTC", v.CreationTime)
	b = xTime(b, in, "EndTimeUTC", v.EndTime)
	b = xString(b, in, "State", v.State.String())
	b = xString(b, in, "Result", v.Result.String())
	b = xInt(b, in, "Progress", int64(v.Progress))
	b = xString(b, in, "FailureMessage", v.FailureMessage)
	b = xBool(b, in, "IsRetry", v.IsRetry)
	return xClose(b, ind, elem)
}

func jPolicySession(b []byte, ks *keys, base string, v *emcdp.PolicySession, r Rep) []byte {
	h := sessionHead(base, v)
	var a [4]link
	links := sessionLinks(&a, base, v, r)
	if r != Entity {
		return jRef(b, ks, &h, links)
	}
	b = append(b, '{')
	b = jUID(b, ks.PolicyUid, kPolicy, v.PolicyID)
	b = jString(b, ks.PolicyName, v.PolicyName)
	b = jString(b, ks.PolicyType, emcdp.PolicyType)
	b = jTime(b, ks.CreationTimeUTC, v.CreationTime)
	b = jTime(b, ks.EndTimeUTC, v.EndTime)
	b = jString(b, ks.State, v.State.String())
	b = jString(b, ks.Result, v.Result.String())
	b = jInt(b, ks.Progress, int64(v.Progress))
	b = jString(b, ks.FailureMessage, v.FailureMessage)
	b = jBool(b, ks.IsRetry, v.IsRetry)
	return jEntityTail(b, ks, &h, "", links)
}
