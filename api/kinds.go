package api

import (
	"context"
	"errors"
	"strings"

	"github.com/emcdp/emcdp"
)

// writeRoutes are the write endpoints of a described kind (actions.md): the
// item's PUT and POST, the includes' POST and an include's DELETE.
type writeRoutes struct {
	put, post, includesPost, includeDel endpoint
}

// kindWrites holds the write endpoints of the kinds that have them.
var kindWrites = map[emcdp.Kind]writeRoutes{
	emcdp.KindCdpPolicy: {put: (*Handler).policyEdit, post: (*Handler).policyAction,
		includesPost: (*Handler).policyInclude, includeDel: (*Handler).policyExclude},
	emcdp.KindJob: {post: (*Handler).jobAction},
}

// kindRoutes returns the routes of the described kinds, derived from their
// descriptions: the collection, the item, the collections below a parent,
// and the includes, with the write endpoints of kindWrites.
func kindRoutes() []route {
	var rs []route
	for _, d := range emcdp.AllDescs {
		coll := strings.ToLower(strings.Trim(d.Path, "/"))
		rs = append(rs, route{pattern: seg(coll), get: collection(d.Kind)})
		item := route{pattern: seg(coll + "/*"), get: described(d.Kind)}
		if d.Fallback != 0 {
			item.get = describedOr(d.Kind, d.Fallback)
		}
		switch d.Kind {
		case emcdp.KindReplicaTaskSession:
			item.get = (*Handler).replicaTaskSession
		case emcdp.KindCdpReplicaTaskSession:
			item.get, item.readsTask = (*Handler).cdpTaskSession, true
		}
		w := kindWrites[d.Kind]
		item.put, item.post = w.put, w.post
		rs = append(rs, item)
		for _, p := range d.Parents {
			rs = append(rs, route{pattern: seg(p.Pattern), get: childList(d.Kind, p.Field, p.Parent)})
		}
		if d.Includes != nil {
			rs = append(rs, route{pattern: seg(coll + "/*/includes"), get: describedIncludes(d.Kind), post: w.includesPost},
				route{pattern: seg(coll + "/*/includes/*"), get: describedInclude(d.Kind), del: w.includeDel})
		}
	}
	return rs
}

// described is the endpoint of one item of a described kind.
func described(k emcdp.Kind) endpoint {
	return func(h *Handler, c *call, args []string) error {
		id, rep, err := resource(c, args)
		if err != nil {
			return err
		}
		v, err := h.read(c.ctx(), k, id)
		if err != nil {
			return storeErr(err, k.String(), id)
		}
		c.buf = c.enc.Resource(c.buf, c.base, k, v, rep)
		return nil
	}
}

// describedOr is the endpoint of one item of kind k that falls back to the
// item of kind fb with that id: an own Href written under k's path (Q5, the
// NasJob reference) resolves there.
func describedOr(k, fb emcdp.Kind) endpoint {
	return func(h *Handler, c *call, args []string) error {
		id, rep, err := resource(c, args)
		if err != nil {
			return err
		}
		v, err := h.read(c.ctx(), k, id)
		if errors.Is(err, emcdp.ErrNotFound) {
			var fv any
			if fv, err = h.read(c.ctx(), fb, id); err == nil {
				c.buf = c.enc.Resource(c.buf, c.base, fb, fv, rep)
				return nil
			}
			if errors.Is(err, emcdp.ErrNotFound) {
				return noSuch(k.String(), id)
			}
		}
		if err != nil {
			return storeErr(err, k.String(), id)
		}
		c.buf = c.enc.Resource(c.buf, c.base, k, v, rep)
		return nil
	}
}

// read reads one item of described kind k: a CDP kind through the store's
// method for its struct (Desc.Typed), the others through Resource.
func (h *Handler) read(ctx context.Context, k emcdp.Kind, id emcdp.ID) (any, error) {
	if d := emcdp.KindDesc(k); d != nil && d.Typed != nil {
		return d.Typed.Read(ctx, h.store, id)
	}
	return h.store.Resource(ctx, k, id)
}

// cdpTaskSession answers /cdpReplicaTaskSessions/{id}, from the body
// cache when the handler has one and the task session has ended.
func (h *Handler) cdpTaskSession(c *call, args []string) error {
	const k = emcdp.KindCdpReplicaTaskSession
	if c.readDone {
		id, rep, err := resource(c, args)
		if err != nil {
			return err
		}
		if c.read == nil {
			return noSuch(k.String(), id)
		}
		c.buf = c.enc.Resource(c.buf, c.base, k, c.read, rep)
		return nil
	}
	if !h.cached() {
		return described(k)(h, c, args)
	}
	id, rep, err := resource(c, args)
	if err != nil {
		return err
	}
	shape := bodyShape{format: c.enc.Format, rep: rep, base: c.base}
	var hit bool
	if c.buf, hit = h.bodies.get(&shape, id, c.buf); hit {
		return nil
	}
	t := h.bodies.ticket()
	v, err := h.store.TaskSession(c.ctx(), id)
	if err != nil {
		return storeErr(err, k.String(), id)
	}
	start := len(c.buf)
	c.buf = c.enc.Resource(c.buf, c.base, k, v, rep)
	if !v.Running() {
		h.bodies.put(t, &shape, id, v.CreationTime, c.buf[start:])
	}
	return nil
}

// replicaTaskSession answers /replicaTaskSessions/{id}: a replica task
// session, or else the CDP task session with that id (quirk Q1, whose
// entity Href uses this path).
func (h *Handler) replicaTaskSession(c *call, args []string) error {
	id, rep, err := resource(c, args)
	if err != nil {
		return err
	}
	v, err := h.store.Resource(c.ctx(), emcdp.KindReplicaTaskSession, id)
	if err == nil {
		c.buf = c.enc.Resource(c.buf, c.base, emcdp.KindReplicaTaskSession, v, rep)
		return nil
	}
	if !errors.Is(err, emcdp.ErrNotFound) {
		return err
	}
	return described(emcdp.KindCdpReplicaTaskSession)(h, c, args)
}

// childList is the endpoint of the items of kind k whose field equals the
// parent named by the path's id, of kind parent (0: the field's Ref); an
// unknown parent is 404.
func childList(k emcdp.Kind, field string, parent emcdp.Kind) endpoint {
	return func(h *Handler, c *call, args []string) error {
		id, err := parseID(args[0])
		if err != nil {
			return err
		}
		f := mustField(k, field)
		pk := parent
		if pk == 0 {
			pk = f.Ref
		}
		if _, err := h.read(c.ctx(), pk, id); err != nil {
			return storeErr(err, pk.String(), id)
		}
		return h.list(c, k, idEquals(k, field, id))
	}
}

// owner reads the item of kind k named by the first path id, for its
// name and includes. Includes are a non-key resource: format does not
// apply to them and is ignored.
func (h *Handler) owner(c *call, k emcdp.Kind, args []string) (emcdp.ID, string, []emcdp.ObjectInJob, error) {
	id, err := parseID(args[0])
	if err != nil {
		return id, "", nil, err
	}
	v, err := h.read(c.ctx(), k, id)
	if err != nil {
		return id, "", nil, storeErr(err, k.String(), id)
	}
	d := emcdp.KindDesc(k)
	return id, d.Name(v), *d.Includes(v), nil
}

func describedIncludes(k emcdp.Kind) endpoint {
	return func(h *Handler, c *call, args []string) error {
		id, name, objs, err := h.owner(c, k, args)
		if err != nil {
			return err
		}
		c.buf = c.enc.Includes(c.buf, c.base, k, id, name, objs)
		return nil
	}
}

func describedInclude(k emcdp.Kind) endpoint {
	return func(h *Handler, c *call, args []string) error {
		id, name, objs, err := h.owner(c, k, args)
		if err != nil {
			return err
		}
		oid, err := parseID(args[1])
		if err != nil {
			return err
		}
		for i := range objs {
			if objs[i].ID == oid {
				c.buf = c.enc.Include(c.buf, c.base, k, id, name, &objs[i])
				return nil
			}
		}
		return noSuch("ObjectInJob", oid)
	}
}
