package wire

// refElem is the element of a reference: EntityRef at the root, Ref in a list.
func refElem(ind int) string {
	if ind == 0 {
		return "EntityRef"
	}
	return "Ref"
}
