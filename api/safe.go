package api

import (
	"reflect"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// cleanStrings makes every string a decoded answer holds safe for a terminal
// (termsafe.String), in place. api is the one place server text is made safe:
// everything it hands out (values and errors) can be printed as it is.
// v is a pointer to a struct or slice of the types in types.go.
func cleanStrings(v any) {
	cleanValue(reflect.ValueOf(v))
}

func cleanValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			cleanValue(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				cleanValue(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			cleanValue(v.Index(i))
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(termsafe.String(v.String()))
		}
	}
}
