package intunesim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

const (
	appsPath    = "/v1.0/deviceAppManagement/mobileApps"
	configsPath = "/v1.0/deviceAppManagement/mobileAppConfigurations"
	iosConfig   = "#microsoft.graph.iosMobileAppConfiguration"
)

var keyTypes = []string{"stringType", "integerType", "realType", "booleanType", "tokenType"}

func (s *Sim) graph(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	exp, ok := s.tokens[tok]
	valid := ok && s.now().Before(exp)
	noPerm, readOnly := s.noPermission, s.readOnly
	s.mu.Unlock()
	switch {
	case !valid:
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
		return
	case noPerm || (readOnly && r.Method != http.MethodGet):
		graphError(w, http.StatusForbidden, "Forbidden", "Application is not authorized to perform this operation. Application must have one of the following scopes: DeviceManagementApps.ReadWrite.All")
		return
	}
	p := r.URL.Path
	switch {
	case p == appsPath && r.Method == http.MethodGet:
		s.mu.Lock()
		items := make([]any, 0, len(s.apps))
		for _, a := range s.apps {
			items = append(items, a)
		}
		s.mu.Unlock()
		s.page(w, r, items)
	case p == configsPath && r.Method == http.MethodGet:
		s.mu.Lock()
		items := make([]any, 0, len(s.configs))
		for _, c := range s.configs {
			// The list leaves the settings out, as Graph's does.
			items = append(items, map[string]any{
				"@odata.type": c.ODataType, "id": c.ID, "displayName": c.DisplayName, "description": c.Description,
				"targetedMobileApps": c.TargetedMobileApps, "version": c.Version,
			})
		}
		s.mu.Unlock()
		s.page(w, r, items)
	case p == configsPath && r.Method == http.MethodPost:
		s.create(w, r)
	case strings.HasPrefix(p, configsPath+"/"):
		s.config(w, r, strings.Split(strings.TrimPrefix(p, configsPath+"/"), "/"))
	default:
		graphError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+p+"'.")
	}
}

// page answers one page of items, with an absolute @odata.nextLink while more follow.
func (s *Sim) page(w http.ResponseWriter, r *http.Request, items []any) {
	from, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	from = min(max(from, 0), len(items))
	s.mu.Lock()
	size := max(s.PageSize, 1)
	s.mu.Unlock()
	to := min(from+size, len(items))
	body := map[string]any{"@odata.context": base(r) + "/v1.0/$metadata#collection", "value": items[from:to]}
	if to < len(items) {
		body["@odata.nextLink"] = fmt.Sprintf("%s%s?$skiptoken=%d", base(r), r.URL.Path, to)
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Sim) find(id string) (*Config, int) {
	for i, c := range s.configs {
		if c.ID == id {
			return c, i
		}
	}
	return nil, -1
}

func (s *Sim) entity(c *Config) map[string]any {
	m := map[string]any{
		"@odata.type": c.ODataType, "id": c.ID, "displayName": c.DisplayName, "description": c.Description,
		"targetedMobileApps": c.TargetedMobileApps, "version": c.Version, "settings": c.Settings,
		"encodedSettingXml": c.EncodedSettingXML,
	}
	if m["settings"] == nil || len(c.Settings) == 0 {
		m["settings"] = []Setting{}
	}
	return m
}

func (s *Sim) config(w http.ResponseWriter, r *http.Request, seg []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, i := s.find(seg[0])
	if c == nil {
		graphError(w, http.StatusNotFound, "ResourceNotFound", "Resource not found.")
		return
	}
	switch {
	case len(seg) == 1 && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.entity(c))
	case len(seg) == 1 && r.Method == http.MethodPatch:
		var body map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			graphError(w, http.StatusBadRequest, "BadRequest", "Invalid JSON.")
			return
		}
		var typ string
		_ = json.Unmarshal(body["@odata.type"], &typ)
		if typ != iosConfig {
			graphError(w, http.StatusBadRequest, "BadRequest", "A type named '"+typ+"' could not be resolved by the model.")
			return
		}
		next := *c
		for k, v := range body {
			var err error
			switch k {
			case "@odata.type":
			case "displayName":
				err = json.Unmarshal(v, &next.DisplayName)
			case "description":
				err = json.Unmarshal(v, &next.Description)
			case "targetedMobileApps":
				err = json.Unmarshal(v, &next.TargetedMobileApps)
			case "settings":
				// A collection is replaced as a whole.
				next.Settings = nil
				err = json.Unmarshal(v, &next.Settings)
				if err == nil {
					err = checkSettings(next.Settings)
				}
			case "encodedSettingXml":
				err = json.Unmarshal(v, &next.EncodedSettingXML)
			default:
				err = fmt.Errorf("the property '%s' does not exist on type 'microsoft.graph.iosMobileAppConfiguration'", k)
			}
			if err != nil {
				graphError(w, http.StatusBadRequest, "BadRequest", err.Error())
				return
			}
		}
		next.Version++
		*c = next
		writeJSON(w, http.StatusOK, s.entity(c))
	case len(seg) == 1 && r.Method == http.MethodDelete:
		s.configs = slices.Delete(s.configs, i, i+1)
		w.WriteHeader(http.StatusNoContent)
	case len(seg) == 2 && seg[1] == "assignments" && r.Method == http.MethodGet:
		items := make([]any, 0, len(c.Targets))
		for i, t := range c.Targets {
			items = append(items, map[string]any{"id": fmt.Sprintf("%s_%d", c.ID, i), "target": t})
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": items})
	case len(seg) == 2 && seg[1] == "assign" && r.Method == http.MethodPost:
		var body struct {
			Assignments []struct {
				Target json.RawMessage `json:"target"`
			} `json:"assignments"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			graphError(w, http.StatusBadRequest, "BadRequest", "Invalid JSON.")
			return
		}
		// assign replaces every assignment.
		var targets []json.RawMessage
		for _, a := range body.Assignments {
			var t struct {
				Type    string `json:"@odata.type"`
				GroupID string `json:"groupId"`
			}
			_ = json.Unmarshal(a.Target, &t)
			switch {
			case t.Type == "#microsoft.graph.allLicensedUsersAssignmentTarget", t.Type == "#microsoft.graph.allDevicesAssignmentTarget":
			case (t.Type == "#microsoft.graph.groupAssignmentTarget" || t.Type == "#microsoft.graph.exclusionGroupAssignmentTarget") && t.GroupID != "":
			default:
				graphError(w, http.StatusBadRequest, "BadRequest", "Invalid assignment target.")
				return
			}
			targets = append(targets, a.Target)
		}
		c.Targets = targets
		writeJSON(w, http.StatusOK, map[string]any{"value": []any{}})
	default:
		graphError(w, http.StatusMethodNotAllowed, "BadRequest", "No HTTP resource was found that matches the request.")
	}
}

func checkSettings(ss []Setting) error {
	for _, st := range ss {
		if st.Key == "" || !slices.Contains(keyTypes, st.Type) {
			return fmt.Errorf("invalid app configuration setting %q of type %q", st.Key, st.Type)
		}
	}
	return nil
}

func (s *Sim) create(w http.ResponseWriter, r *http.Request) {
	var c Config
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&raw); err != nil {
		graphError(w, http.StatusBadRequest, "BadRequest", "Invalid JSON.")
		return
	}
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &c); err != nil {
		graphError(w, http.StatusBadRequest, "BadRequest", "Invalid request body.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case c.ODataType != iosConfig:
		graphError(w, http.StatusBadRequest, "BadRequest", "A type named '"+c.ODataType+"' could not be resolved by the model.")
		return
	case c.DisplayName == "":
		graphError(w, http.StatusBadRequest, "BadRequest", "displayName is required.")
		return
	case len(c.TargetedMobileApps) == 0:
		graphError(w, http.StatusBadRequest, "BadRequest", "targetedMobileApps is required.")
		return
	}
	for _, id := range c.TargetedMobileApps {
		if !slices.ContainsFunc(s.apps, func(a App) bool { return a.ID == id }) {
			graphError(w, http.StatusBadRequest, "BadRequest", "The targeted app "+id+" does not exist.")
			return
		}
	}
	if err := checkSettings(c.Settings); err != nil {
		graphError(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	c.ID, c.Version, c.Targets = s.newID(), 1, nil
	s.configs = append(s.configs, &c)
	writeJSON(w, http.StatusCreated, s.entity(&c))
}
