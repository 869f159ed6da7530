package api

import (
	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/wire"
)

// collection is the endpoint of a top-level collection of kind k.
func collection(k emcdp.Kind) endpoint {
	return func(h *Handler, c *call, _ []string) error { return h.list(c, k, nil) }
}

// mustField looks up a field of the catalogue that is known to exist.
func mustField(k emcdp.Kind, name string) emcdp.Field {
	f, ok := emcdp.LookupField(k, name)
	if !ok {
		panic("api: no field " + name + " on " + k.String())
	}
	return f
}

// idEquals is the filter term "field == id".
func idEquals(k emcdp.Kind, field string, id emcdp.ID) emcdp.Expr {
	return &emcdp.Term{Field: mustField(k, field), Op: emcdp.OpEq, Value: emcdp.Value{ID: id}}
}

// resource parses the id and the format of a key resource request.
func resource(c *call, args []string) (emcdp.ID, wire.Rep, error) {
	id, err := parseID(args[0])
	if err != nil {
		return id, 0, err
	}
	rep, err := c.rep()
	return id, rep, err
}
