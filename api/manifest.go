package api

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ParseManifest reads a manifest in JSON or XML. XML is read by child element
// names, whatever the root is called, because that is the stable part.
func ParseManifest(data []byte) (*Manifest, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("the manifest is empty")
	}
	var m Manifest
	switch trimmed[0] {
	case '{':
		if err := json.Unmarshal(trimmed, &m); err != nil {
			return nil, fmt.Errorf("the manifest is not valid JSON: %w", err)
		}
	case '<':
		if err := parseManifestXML(trimmed, &m); err != nil {
			return nil, err
		}
	default:
		return nil, errors.New("the manifest is neither JSON nor XML")
	}
	// Checked on the cleaned text: a type of only blanks or control
	// characters names none.
	cleanStrings(&m)
	if strings.TrimSpace(m.TypeID) == "" {
		return nil, errors.New("the manifest names no application type")
	}
	return &m, nil
}

func parseManifestXML(data []byte, m *Manifest) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	depth := 0
	field := ""
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("the manifest is not valid XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				field = t.Name.Local
				text.Reset()
			}
		case xml.CharData:
			if depth == 2 && text.Len() < 4096 {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 2 {
				setManifestField(m, field, strings.TrimSpace(text.String()))
			}
			depth--
		}
	}
	if depth != 0 {
		return errors.New("the manifest XML is cut short")
	}
	return nil
}

func setManifestField(m *Manifest, name, v string) {
	switch name {
	case "id":
		m.ID = v
	case "name":
		m.Name = v
	case "typeId":
		m.TypeID = v
	case "version":
		m.Version = v
	case "buildNumber":
		m.BuildNumber, _ = strconv.ParseInt(v, 10, 64)
	case "applinksVersion":
		m.ApplinksVersion = v
	case "publicSignup":
		m.PublicSignup = v == "true"
	case "url":
		m.URL = v
	case "iconUrl":
		m.IconURL = v
	case "iconUri":
		m.IconURI = v
	}
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
