package azdosim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// The service reads an enum in a request body by name or by number (the
// recorded examples post "status": 1 and "commentType": 1); it answers
// with names. The names are listed in the order of their numbers, as the
// REST specification lists them. Keys are field names (any depth, case
// ignored).

// threadEnums are the enum fields of a thread body.
func threadEnums() map[string][]string {
	return map[string][]string{
		"status":      {"unknown", "active", "fixed", "wontFix", "closed", "byDesign", "pending"},
		"commenttype": commentTypeNames(),
	}
}

// commentEnums are the enum fields of a comment body.
func commentEnums() map[string][]string {
	return map[string][]string{"commenttype": commentTypeNames()}
}

// statusEnums are the enum fields of a pull-request status body.
func statusEnums() map[string][]string {
	return map[string][]string{"state": {"notSet", "pending", "succeeded", "failed", "error", "notApplicable"}}
}

func commentTypeNames() []string { return []string{"unknown", "text", "codeChange", "system"} }

// decodeBodyEnums decodes a JSON request body into v as decodeBody does,
// first replacing the numbers of the given enum fields by their names. A
// number outside the enum is a bad request.
func decodeBodyEnums(r *http.Request, v any, enums map[string][]string) error {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return errBadRequest("The request body could not be read as JSON: %v", err)
	}
	if err := enumNames(raw, enums); err != nil {
		return err
	}
	body, err := json.Marshal(raw)
	if err != nil {
		return errBadRequest("The request body could not be read as JSON: %v", err)
	}
	dec = json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return errBadRequest("The request body could not be read as JSON: %v", err)
	}
	return nil
}

// enumNames rewrites, in place, numeric values of the enum fields of v.
// The values of "properties" are data and left alone.
func enumNames(v any, enums map[string][]string) error {
	switch x := v.(type) {
	case map[string]any:
		for k, fv := range x {
			if strings.EqualFold(k, "properties") {
				continue
			}
			if names, ok := enums[strings.ToLower(k)]; ok {
				if n, isNum := fv.(json.Number); isNum {
					i, err := n.Int64()
					if err != nil || i < 0 || i >= int64(len(names)) {
						return errBadRequest("The value '%s' is not valid for %s.", n, k)
					}
					x[k] = names[i]
					continue
				}
			}
			if err := enumNames(fv, enums); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := enumNames(e, enums); err != nil {
				return err
			}
		}
	}
	return nil
}
