package api

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emcdp/emcdp"
)

// Request bodies (actions.md §2.1): XML or JSON by Content-Type (or by the
// first non-blank byte when there is none), at most maxBody bytes, parsed
// strictly against the type's shape: in XML the children must come in the
// type's order, and an unknown or repeated element is refused, each with a
// 400 naming the element; JSON keys match case-insensitively, null means
// "not sent", and literals may be quoted.

// maxBody is the largest request body accepted.
const maxBody = 1 << 20

// shape is the form of an element of a request body type.
type shape struct {
	name   string
	kids   []*shape
	attrs  []string // attributes it may carry (in JSON: keys beside its elements)
	opaque bool     // accepted and not read (links, the policy's includes)
	many   bool     // may repeat (a TimePeriods Day)
	alias  string   // a second JSON name (Days for Day)
}

// node is a parsed element: its text, attributes and children.
type node struct {
	s     *shape
	text  string
	attrs map[string]string
	kids  []*node
}

// kid returns the child named name, or nil when it was not sent.
func (n *node) kid(name string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.s.name == name {
			return k
		}
	}
	return nil
}

func sLeaf(name string) *shape                  { return &shape{name: name} }
func sGroup(name string, kids ...*shape) *shape { return &shape{name: name, kids: kids} }
func sOpaque(name string) *shape                { return &shape{name: name, opaque: true} }
func sAttrs(s *shape, attrs ...string) *shape   { s.attrs = attrs; return s }

// readBody reads the request body within the limit and parses it as root.
func readBody(c *call, root *shape) (*node, error) {
	data, err := io.ReadAll(io.LimitReader(c.r.Body, maxBody+1))
	if err != nil {
		return nil, emcdp.Errorf(emcdp.EInvalid, "The request body could not be read")
	}
	if len(data) > maxBody {
		return nil, emcdp.Errorf(emcdp.EInvalid, "Request body is too large: at most %d bytes are accepted", maxBody)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, invalidBody("the body is not valid UTF-8")
	}
	isJSON := false
	if ct := c.r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		switch {
		case err == nil && (mt == "application/xml" || mt == "text/xml"):
		case err == nil && mt == "application/json":
			isJSON = true
		default:
			return nil, emcdp.Errorf(emcdp.EInvalid, "Unsupported Content-Type '%s'; send application/xml, text/xml or application/json", clip(ct))
		}
	} else {
		t := bytes.TrimSpace(data)
		isJSON = len(t) > 0 && t[0] == '{'
	}
	var n *node
	if isJSON {
		n, err = parseJSONBody(data, root)
	} else {
		n, err = parseXMLBody(data, root)
	}
	if err != nil {
		return nil, invalidBody(err.Error())
	}
	if name := n.withNUL(); name != "" {
		return nil, invalidBody(fmt.Sprintf("element '%s' holds a NUL character", name))
	}
	return n, nil
}

// withNUL returns the name of the first element whose text or attributes
// hold a NUL (a JSON \u0000 escape), which no store can keep, or "".
func (n *node) withNUL() string {
	if strings.ContainsRune(n.text, 0) {
		return n.s.name
	}
	for _, v := range n.attrs {
		if strings.ContainsRune(v, 0) {
			return n.s.name
		}
	}
	for _, k := range n.kids {
		if name := k.withNUL(); name != "" {
			return name
		}
	}
	return ""
}

const veeamNS = "http://www.veeam.com/ent/v1.0"

func parseXMLBody(data []byte, root *shape) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, fmt.Errorf("the body is empty; expected a %s element", root.name)
		}
		if err != nil {
			return nil, fmt.Errorf("malformed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != root.name {
				return nil, fmt.Errorf("the root element must be '%s', got '%s'", root.name, t.Name.Local)
			}
			if t.Name.Space != "" && t.Name.Space != veeamNS {
				return nil, fmt.Errorf("the root element's namespace must be %s or none, got '%s'", veeamNS, t.Name.Space)
			}
			n, err := xmlNode(d, root, t, true)
			if err != nil {
				return nil, err
			}
			for {
				tok, err := d.Token()
				if err == io.EOF {
					return n, nil
				}
				if err != nil {
					return nil, fmt.Errorf("malformed XML: %v", err)
				}
				if cd, ok := tok.(xml.CharData); (ok && len(bytes.TrimSpace(cd)) > 0) || isStart(tok) {
					return nil, errors.New("content after the root element")
				}
			}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("text before the root element")
			}
		}
	}
}

func isStart(t xml.Token) bool { _, ok := t.(xml.StartElement); return ok }

// xmlNode reads the element started by start, checking its children's
// names and order against s.
func xmlNode(d *xml.Decoder, s *shape, start xml.StartElement, root bool) (*node, error) {
	n := &node{s: s}
	for _, a := range start.Attr {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" || a.Name.Space != "" || root {
			continue
		}
		if !has(s.attrs, a.Name.Local) {
			return nil, fmt.Errorf("unknown attribute '%s' on %s", a.Name.Local, s.name)
		}
		if n.attrs == nil {
			n.attrs = map[string]string{}
		}
		n.attrs[a.Name.Local] = a.Value
	}
	last := -1
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("malformed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			n.text = text.String()
			if len(n.kids) > 0 || len(s.kids) > 0 {
				n.text = strings.TrimSpace(n.text)
			}
			return n, nil
		case xml.StartElement:
			i := childIndex(s, t.Name.Local, false)
			if i < 0 {
				return nil, fmt.Errorf("unknown element '%s' in %s", t.Name.Local, s.name)
			}
			k := s.kids[i]
			switch {
			case i == last && !k.many:
				return nil, fmt.Errorf("element '%s' of %s appears twice", k.name, s.name)
			case i < last:
				return nil, fmt.Errorf("element '%s' of %s is out of order; it must come before '%s'", k.name, s.name, s.kids[last].name)
			}
			last = i
			if k.opaque {
				if err := d.Skip(); err != nil {
					return nil, fmt.Errorf("malformed XML: %v", err)
				}
				continue
			}
			kn, err := xmlNode(d, k, t, false)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, kn)
		}
	}
}

// childIndex finds a child shape by name: exactly in XML, any case (and by
// its alias) in JSON.
func childIndex(s *shape, name string, fold bool) int {
	for i, k := range s.kids {
		if k.name == name || fold && (strings.EqualFold(k.name, name) || k.alias != "" && strings.EqualFold(k.alias, name)) {
			return i
		}
	}
	return -1
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// rootIgnored are the root keys of a JSON body that are read back from an
// entity and ignored.
var rootIgnored = []string{"href", "type", "name", "uid", "links", "xmlns"}

func parseJSONBody(data []byte, root *shape) (*node, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		return nil, fmt.Errorf("malformed JSON: %v", err)
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("the body must be a JSON object (%s)", root.name)
	}
	n, err := jsonObject(d, root, true)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("content after the JSON object")
	}
	return n, nil
}

// jsonObject reads an object whose '{' was read, as element s.
func jsonObject(d *json.Decoder, s *shape, root bool) (*node, error) {
	n := &node{s: s}
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("malformed JSON: %v", err)
		}
		key := tok.(string)
		lk := strings.ToLower(key)
		if s.many && (lk == "#text" || lk == "value") {
			lk = "#text"
		}
		if seen[lk] {
			return nil, fmt.Errorf("element '%s' of %s appears twice", key, s.name)
		}
		seen[lk] = true
		if root && has(rootIgnored, lk) {
			if err := skipJSON(d); err != nil {
				return nil, err
			}
			continue
		}
		if lk == "#text" {
			v, null, err := jsonScalar(d, key)
			if err != nil {
				return nil, err
			}
			if !null {
				n.text = v
			}
			continue
		}
		if a := attrFold(s.attrs, key); a != "" {
			v, null, err := jsonScalar(d, key)
			if err != nil {
				return nil, err
			}
			if !null {
				if n.attrs == nil {
					n.attrs = map[string]string{}
				}
				n.attrs[a] = v
			}
			continue
		}
		i := childIndex(s, key, true)
		if i < 0 {
			return nil, fmt.Errorf("unknown element '%s' in %s", key, s.name)
		}
		k := s.kids[i]
		if k.opaque {
			if err := skipJSON(d); err != nil {
				return nil, err
			}
			continue
		}
		kids, err := jsonValue(d, k)
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, kids...)
	}
	if _, err := d.Token(); err != nil {
		return nil, fmt.Errorf("malformed JSON: %v", err)
	}
	return n, nil
}

// jsonValue reads the value of element k: an object, a list of objects
// (a repeated element), a scalar, or null (not sent).
func jsonValue(d *json.Decoder, k *shape) ([]*node, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, fmt.Errorf("malformed JSON: %v", err)
	}
	switch t := tok.(type) {
	case nil:
		return nil, nil
	case json.Delim:
		switch t {
		case '{':
			n, err := jsonObject(d, k, false)
			if err != nil {
				return nil, err
			}
			return []*node{n}, nil
		case '[':
			if !k.many {
				return nil, fmt.Errorf("element '%s' must not be a list", k.name)
			}
			var out []*node
			for d.More() {
				if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
					return nil, fmt.Errorf("each item of '%s' must be an object", k.name)
				}
				n, err := jsonObject(d, k, false)
				if err != nil {
					return nil, err
				}
				out = append(out, n)
			}
			_, err := d.Token()
			return out, err
		}
	case string:
		return []*node{{s: k, text: t}}, nil
	case json.Number:
		return []*node{{s: k, text: t.String()}}, nil
	case bool:
		return []*node{{s: k, text: strconv.FormatBool(t)}}, nil
	}
	return nil, fmt.Errorf("element '%s' has an unexpected value", k.name)
}

// jsonScalar reads a string, number, boolean or null.
func jsonScalar(d *json.Decoder, key string) (string, bool, error) {
	tok, err := d.Token()
	if err != nil {
		return "", false, fmt.Errorf("malformed JSON: %v", err)
	}
	switch t := tok.(type) {
	case nil:
		return "", true, nil
	case string:
		return t, false, nil
	case json.Number:
		return t.String(), false, nil
	case bool:
		return strconv.FormatBool(t), false, nil
	}
	return "", false, fmt.Errorf("'%s' must be a string, number or boolean", key)
}

func attrFold(attrs []string, key string) string {
	for _, a := range attrs {
		if strings.EqualFold(a, key) {
			return a
		}
	}
	return ""
}

// skipJSON reads and drops one value.
func skipJSON(d *json.Decoder) error {
	var v json.RawMessage
	if err := d.Decode(&v); err != nil {
		return fmt.Errorf("malformed JSON: %v", err)
	}
	return nil
}

// Typed readers of a parsed node; each error names the element.

// intOf reads a whole number of 0 to math.MaxInt32, the range of the real
// product's 32-bit fields; the bound also keeps every sum of a value and
// another times 60 (minutes and seconds into seconds, hours and minutes
// into minutes) far from wrapping around, which would let a huge number
// pass the range checks as a small one.
func intOf(n *node) (*int, error) {
	if n == nil {
		return nil, nil
	}
	v, err := strconv.Atoi(strings.TrimSpace(n.text))
	if err != nil || v < 0 || v > math.MaxInt32 {
		return nil, fmt.Errorf("%s must be a whole number from 0 to %d, got '%s'", n.s.name, math.MaxInt32, clip(n.text))
	}
	return &v, nil
}

func boolText(name, s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%s must be true or false, got '%s'", name, clip(s))
}

func boolOf(n *node) (*bool, error) {
	if n == nil {
		return nil, nil
	}
	v, err := boolText(n.s.name, n.text)
	return &v, err
}

func strOf(n *node) *string {
	if n == nil {
		return nil
	}
	return &n.text
}

func timeOf(n *node) (*time.Time, error) {
	if n == nil {
		return nil, nil
	}
	s := strings.TrimSpace(n.text)
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999"} {
		if t, err := time.Parse(l, s); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, fmt.Errorf("%s must be a UTC date and time such as 2026-06-16T15:00:00Z, got '%s'", n.s.name, clip(s))
}
