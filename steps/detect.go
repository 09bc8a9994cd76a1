package steps

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
)

// Detection is what the instance says it is, before any login.
type Detection struct {
	Product api.Product
	Version string
	// Title is the instance's name, the default site title.
	Title string
	// InstanceBaseURL is the base URL the instance has configured for itself.
	InstanceBaseURL string
	// Confirmed: the user named the product and the instance agrees.
	Confirmed bool
}

// ErrWrongProduct: the product the user named and the instance disagree.
var ErrWrongProduct = errors.New("wrong product")

// WrongProductError says which product was asked for and which one answered.
type WrongProductError struct {
	Want, Got string
	URL       string
}

func (e *WrongProductError) Error() string {
	return fmt.Sprintf("%s is %s, not %s: point the wizard at your %s base URL", e.URL, e.Got, e.Want, e.Want)
}

// Fix: naming the product the instance is, when it is one the wizard knows.
func (e *WrongProductError) Fix() fix.Fix {
	if p, err := api.ParseProduct(e.Got); err == nil {
		return fix.Fix{Kind: fix.OtherProduct, Product: string(p)}
	}
	return fix.Fix{}
}

func (e *WrongProductError) Is(target error) bool { return target == ErrWrongProduct }

// Detect reads the application links manifest (anonymous, one request) and tells
// Jira from Confluence. want, when set, is checked against the answer, never
// forced: pointing the Jira flow at a Confluence is an error.
func Detect(ctx context.Context, c *api.Client, want api.Product) (*Detection, error) {
	m, err := c.Manifest(ctx)
	if err != nil {
		return nil, err
	}
	d := &Detection{
		Version:         m.Version,
		Title:           m.Name,
		InstanceBaseURL: m.URL,
	}
	p, perr := api.ParseProduct(m.TypeID)
	if perr != nil {
		return nil, &WrongProductError{Want: productWord(want), Got: typeName(m.TypeID), URL: c.BaseURL()}
	}
	d.Product = p
	if want != "" {
		if want != p {
			return nil, &WrongProductError{Want: want.Title(), Got: p.Title(), URL: c.BaseURL()}
		}
		d.Confirmed = true
	}
	d.Title = cmp.Or(d.Title, p.Title())
	return d, nil
}

func productWord(p api.Product) string {
	if p == "" {
		return "Jira or Confluence"
	}
	return p.Title()
}

// typeName names the application types an applinks manifest can carry.
func typeName(typeID string) string {
	names := map[string]string{
		"stash": "Bitbucket", "bamboo": "Bamboo", "fecru": "Fisheye/Crucible",
		"crowd": "Crowd", "refapp": "the Atlassian reference application", "generic": "a generic application",
	}
	if n, ok := names[typeID]; ok {
		return n
	}
	return fmt.Sprintf("an application of type %q", typeID)
}
