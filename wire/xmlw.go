package wire

// The XML helpers below write the layout of the examples: one element per
// line, two spaces per level, " />" for empty elements, namespaces on the
// root only. ind is the element's depth; the root is at depth 0 and follows
// the prolog's newline, every deeper element starts a new line.

// xIndent starts a line for an element at depth ind.
func xIndent(b []byte, ind int) []byte {
	if ind == 0 {
		return b
	}
	b = append(b, '\n')
	for ; ind > 0; ind-- {
		b = append(b, ' ', ' ')
	}
	return b
}

// xOpen writes "<name" on a new line; attributes and ">" follow.
func xOpen(b []byte, ind int, name string) []byte {
	b = xIndent(b, ind)
	b = append(b, '<')
	return append(b, name...)
}

// xOpenEnd ends a start tag, adding the namespaces when the element is the root.
func xOpenEnd(b []byte, root bool) []byte {
	if root {
		b = append(b, xmlNS...)
	}
	return append(b, '>')
}

// xEmptyEnd ends a start tag as an empty element.
func xEmptyEnd(b []byte, root bool) []byte {
	if root {
		b = append(b, xmlNS...)
	}
	return append(b, " />"...)
}

// xStart writes a complete start tag without attributes.
func xStart(b []byte, ind int, name string, root bool) []byte {
	return xOpenEnd(xOpen(b, ind, name), root)
}

// xClose writes an end tag on its own line (the root's too).
func xClose(b []byte, ind int, name string) []byte {
	if ind == 0 {
		b = append(b, '\n')
	} else {
		b = xIndent(b, ind)
	}
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// xAttr writes ` name="value"`.
func xAttr(b []byte, name, value string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, '=', '"')
	b = appendXMLAttr(b, value)
	return append(b, '"')
}

// xAttrAs writes ` name="value"`, value as it is when isPlain (plain).
func xAttrAs(b []byte, name, value string, isPlain bool) []byte {
	if !isPlain {
		return xAttr(b, name, value)
	}
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, '=', '"')
	b = append(b, value...)
	return append(b, '"')
}

// xLeafOpen writes "<name>" on a new line for a value that follows.
func xLeafOpen(b []byte, ind int, name string) []byte {
	b = xOpen(b, ind, name)
	return append(b, '>')
}

// xLeafClose writes "</name>" right after a value.
func xLeafClose(b []byte, name string) []byte {
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// xString writes a text element; an empty string is written "<name />".
func xString(b []byte, ind int, name, v string) []byte {
	if v == "" {
		return append(xOpen(b, ind, name), " />"...)
	}
	b = xLeafOpen(b, ind, name)
	b = appendXMLText(b, v)
	return xLeafClose(b, name)
}

// xInt writes an integer element.
func xInt(b []byte, ind int, name string, v int64) []byte {
	b = xLeafOpen(b, ind, name)
	b = appendInt(b, v)
	return xLeafClose(b, name)
}

// xBool writes a boolean element.
func xBool(b []byte, ind int, name string, v bool) []byte {
	b = xLeafOpen(b, ind, name)
	b = appendBool(b, v)
	return xLeafClose(b, name)
}

// xUID writes a UidType element urn:veeam:<typ>:<id>.
func xUID(b []byte, ind int, name string, k *kindInfo, id [16]byte) []byte {
	b = xLeafOpen(b, ind, name)
	b = appendUID(b, k, id)
	return xLeafClose(b, name)
}

// xLinks writes the Links element, or nothing when there are no links.
func xLinks(b []byte, ind int, links []link) []byte {
	if len(links) == 0 {
		return b
	}
	b = xStart(b, ind, "Links", false)
	for i := range links {
		b = xLink(b, ind+1, &links[i])
	}
	return xClose(b, ind, "Links")
}

// xLink writes one Link with its attributes in the real order: Href, Name,
// Type, Rel; Name and Type are left out when empty.
func xLink(b []byte, ind int, l *link) []byte {
	b = xOpen(b, ind, "Link")
	b = append(b, ` Href="`...)
	b = l.appendHref(b, appendXMLAttr)
	b = append(b, '"')
	if l.name != "" {
		b = xAttr(b, "Name", l.name)
	}
	if l.typ != "" {
		b = xAttrAs(b, "Type", l.typ, l.plain)
	}
	b = xAttrAs(b, "Rel", l.rel, l.plain)
	return append(b, " />"...)
}
