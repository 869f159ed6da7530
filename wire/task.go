package wire

import (
	"strconv"

	emcdp "github.com/emcdp/emcdp"
)

// This file writes the write side's Task (actions.md §3): a non-key
// resource, root attributes Href then Type, its Delete link always first
// (a real client polls the first link), then Related once it finished with
// success; elements TaskId, State, Operation, and Result once finished. JSON
// writes the own elements first, then Links, Href, Type; a Result's Message
// before its attribute properties, the two optional flags false.

// taskKeys are the JSON property names of a Task per profile.
type taskKeys struct {
	TaskId, State, Operation, Result, Message, Success, CredentialsNeeded, ConfirmationNeeded    string
	Tasks, Files, Directories, CredentialsList, SInObjectJob, AccountRole, AccountHierarchyScope string
	PasswordKeyInfoList                                                                          string
}

var taskKeySets = [...]*taskKeys{V12: newTaskKeys(func(s string) string { return s }), V13: newTaskKeys(CamelCase)}

func newTaskKeys(conv func(string) string) *taskKeys {
	k := func(s string) string { return `"` + conv(s) + `":` }
	return &taskKeys{TaskId: k("TaskId"), State: k("State"), Operation: k("Operation"), Result: k("Result"),
		Message: k("Message"), Success: k("Success"), CredentialsNeeded: k("CredentialsNeeded"),
		ConfirmationNeeded: k("ConfirmationNeeded"), Tasks: k("Tasks"), Files: k("Files"), Directories: k("Directories"),
		CredentialsList: k("CredentialsList"), SInObjectJob: k("sInObjectJob"), AccountRole: k("AccountRole"),
		AccountHierarchyScope: k("AccountHierarchyScope"), PasswordKeyInfoList: k("PasswordKeyInfoList")}
}

func (e Encoder) taskKeys() *taskKeys {
	if e.Profile == V13 {
		return taskKeySets[V13]
	}
	return taskKeySets[V12]
}

// TaskID returns the TaskId of task number n: "task-<n>".
func TaskID(n int64) string { return "task-" + strconv.FormatInt(n, 10) }

// relatedPaths are the collections of the objects a task may link to.
var relatedPaths = map[string]string{
	"Job": "/jobs/", "CdpPolicy": "/cdpPolicies/", "BackupJobSession": "/backupSessions/", "ReplicaJobSession": "/replicaSessions/",
}

// opLinks fills a with a task's links: Delete, then Related when it
// finished with success and names an object.
func opLinks(a *[2]link, base string, t *emcdp.Task, micro bool) []link {
	a[0] = link{rel: "Delete", typ: "Task", base: base, path: "/tasks/", tail: TaskID(t.Num)}
	path, ok := relatedPaths[t.Related.Type]
	if t.State != emcdp.OpFinished || !t.Success || !ok {
		return a[:1]
	}
	a[1] = idLink("Related", t.Related.Type, sessionName(t.Related.Name, micro), base, path, t.Related.ID, formatEntity)
	return a[:]
}

// Task writes one task (GET /tasks/{id}, and the 202 answer of a write).
func (e Encoder) Task(dst []byte, base string, t *emcdp.Task) []byte {
	if t == nil {
		return e.nothing(dst)
	}
	dst = e.begin(dst)
	if e.json() {
		dst = jTask(dst, e.keys(), e.taskKeys(), base, t, e.Profile == V13)
	} else {
		dst = xTask(dst, 0, base, t)
	}
	return e.end(dst)
}

// Tasks writes the caller's tasks (GET /tasks).
func (e Encoder) Tasks(dst []byte, base string, ts []emcdp.Task) []byte {
	dst = e.begin(dst)
	if e.json() {
		tk := e.taskKeys()
		dst = append(dst, '{')
		dst = jTaskList(dst, e.keys(), tk, base, ts, e.Profile == V13)
		dst = append(dst, '}')
	} else {
		dst = xTaskList(dst, 0, base, ts)
	}
	return e.end(dst)
}

// TaskQuery writes a page of GET /query?type=Task: Resources holding Tasks
// (tasks are not entities), then PagingInfo; JSON keeps every Resources key
// of the real server, null but Tasks, and Refs and Entities null.
func (e Encoder) TaskQuery(dst []byte, base string, ts []emcdp.Task, p Paging) []byte {
	dst = e.begin(dst)
	if e.json() {
		ks, tk := e.keys(), e.taskKeys()
		dst = append(dst, '{')
		dst = jNull(dst, ks.Refs)
		dst = jNull(dst, ks.Entities)
		dst = append(jKey(dst, ks.Resources), '{')
		dst = jNull(dst, tk.Files)
		dst = jNull(dst, tk.Directories)
		dst = append(jKey(dst, tk.Tasks), '{')
		dst = jTaskList(dst, ks, tk, base, ts, e.Profile == V13)
		dst = append(dst, '}')
		for _, k := range []string{tk.CredentialsList, tk.SInObjectJob, tk.AccountRole, tk.AccountHierarchyScope, tk.PasswordKeyInfoList} {
			dst = jNull(dst, k)
		}
		dst = append(dst, '}')
		dst = jNull(dst, ks.Links)
		dst = jPagingInfo(dst, ks, &p)
		dst = append(dst, '}')
	} else {
		const elem = "QueryResult"
		dst = xStart(dst, 0, elem, true)
		dst = xStart(dst, 1, "Resources", false)
		dst = xTaskList(dst, 2, base, ts)
		dst = xClose(dst, 1, "Resources")
		dst = xPaging(dst, 1, &p)
		dst = xClose(dst, 0, elem)
	}
	return e.end(dst)
}

func xTaskList(b []byte, ind int, base string, ts []emcdp.Task) []byte {
	const elem = "Tasks"
	if len(ts) == 0 {
		return xEmptyEnd(xOpen(b, ind, elem), ind == 0)
	}
	b = xStart(b, ind, elem, ind == 0)
	for i := range ts {
		b = xTask(b, ind+1, base, &ts[i])
	}
	return xClose(b, ind, elem)
}

func xTask(b []byte, ind int, base string, t *emcdp.Task) []byte {
	const elem = "Task"
	id := TaskID(t.Num)
	b = xOpen(b, ind, elem)
	b = append(b, ` Href="`...)
	b = appendXMLAttr(b, base)
	b = append(b, "/tasks/"...)
	b = append(b, id...)
	b = append(b, `" Type="Task"`...)
	b = xOpenEnd(b, ind == 0)
	in := ind + 1
	var a [2]link
	b = xLinks(b, in, opLinks(&a, base, t, false))
	b = xString(b, in, "TaskId", id)
	b = xString(b, in, "State", t.State.String())
	b = xString(b, in, "Operation", t.Operation)
	if t.State != emcdp.OpRunning {
		b = xOpen(b, in, "Result")
		b = append(b, ` Success="`...)
		b = appendBool(b, t.Success)
		b = append(b, '"')
		b = xOpenEnd(b, false)
		b = xString(b, in+1, "Message", t.Message)
		b = xClose(b, in, "Result")
	}
	return xClose(b, ind, elem)
}

func jTaskList(b []byte, ks *keys, tk *taskKeys, base string, ts []emcdp.Task, micro bool) []byte {
	b = append(jKey(b, tk.Tasks), '[')
	for i := range ts {
		b = jTask(jSep(b), ks, tk, base, &ts[i], micro)
	}
	return append(b, ']')
}

func jTask(b []byte, ks *keys, tk *taskKeys, base string, t *emcdp.Task, micro bool) []byte {
	id := TaskID(t.Num)
	b = append(b, '{')
	b = jString(b, tk.TaskId, id)
	b = jString(b, tk.State, t.State.String())
	b = jString(b, tk.Operation, t.Operation)
	if t.State == emcdp.OpRunning {
		b = jNull(b, tk.Result)
	} else {
		b = append(jKey(b, tk.Result), '{')
		b = jString(b, tk.Message, t.Message)
		b = jBool(b, tk.Success, t.Success)
		b = jBool(b, tk.CredentialsNeeded, false)
		b = jBool(b, tk.ConfirmationNeeded, false)
		b = append(b, '}')
	}
	var a [2]link
	b = jLinks(b, ks, opLinks(&a, base, t, micro))
	b = append(jKey(b, ks.Href), '"')
	b = appendJSONChars(b, base)
	b = append(b, "/tasks/"...)
	b = append(b, id...)
	b = append(b, '"')
	b = jString(b, ks.Type, "Task")
	return append(b, '}')
}
