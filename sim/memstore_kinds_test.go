package sim

import (
	"context"
	"errors"

	"github.com/emcdp/emcdp"
)

// Resource is not kept by the in-memory store of these tests: they exercise
// the CDP world only.
func (m *memStore) Resource(ctx context.Context, k emcdp.Kind, id emcdp.ID) (any, error) {
	return nil, errors.New("memstore: described kinds are not kept")
}
