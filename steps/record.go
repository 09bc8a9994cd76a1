package steps

import (
	"fmt"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/words"
)

// Record is what one run of the flow did on its instance, kept by the flow
// as it goes: every summary (the full-screen wizard's exit, accessible mode,
// the command line, an SSH session) prints from it, so none can forget a
// step the user took back or a link deleted afterwards.
type Record struct {
	BaseURL string
	Mode    Mode
	// Created is the link this run created, kept when a later pass (after a
	// step back) reused it.
	Created *LinkResult
	// Link is the link the last pass used.
	Link *LinkResult
	// Pending: a create was sent and its answer has not come back.
	Pending bool
	// Mobile is what the non-MDM wait ended with.
	Mobile *MobileOAuthEvidence
	// Removed is what deleting the app's link did, with its plan.
	Removed    *RemoveResult
	RemovePlan *RemovePlan
	// Verified is the last verification's report (nil after a deletion).
	Verified *VerifyReport
	// Saved are the files the site list was written to.
	Saved []Saved
	// Pushed are the pushes into an MDM.
	Pushed []Pushed
	// Warnings are the last checks' warnings, "name: detail".
	Warnings []string
}

// Pushed is one push of the site list into an MDM.
type Pushed struct {
	MDM    string
	Plan   *PushPlan   // nil when reading the MDM failed
	Result *PushResult // nil when it failed or was not confirmed
	Err    error
}

// Text says what the push did, or why it did not.
func (p Pushed) Text() string {
	if p.Err != nil {
		msg, _, _ := Explain(p.Err)
		return "Could not push to " + p.MDM + ": " + msg
	}
	if p.Result == nil {
		return "Nothing was sent to " + p.MDM + "."
	}
	return p.Result.Outcome()
}

// Saved is one save of the site list.
type Saved struct {
	Path string
	// Sites is how many sites the file holds now; Ours how many the wizard wrote.
	Sites, Ours int
	// Unchecked are sites already in the file whose app could not be told.
	Unchecked []UncheckedSite
	Err       error
}

// Text says what the save did: the sites in the file now, and the other
// sites already in it only when there were some.
func (s Saved) Text() string {
	if s.Err != nil {
		msg, _, _ := Explain(s.Err)
		return "Could not save " + s.Path + ": " + msg
	}
	if kept := s.Sites - s.Ours; kept > 0 {
		return fmt.Sprintf("Saved %s with %s (file mode 0600; %s already in it %s kept).", s.Path, words.Count(s.Sites, "site"),
			words.Count(kept, "other site"), words.Choose(kept, "was", "were"))
	}
	return fmt.Sprintf("Saved %s with %s (file mode 0600).", s.Path, words.Count(s.Sites, "site"))
}

func (r *Record) link(res *LinkResult) {
	r.Link = res
	if res.Changed && !res.Raced {
		r.Created = res
	}
}

// Changed reports whether the run changed the instance (or may have: a
// create whose answer never came).
func (r Record) Changed() bool {
	return r.Created != nil || r.Pending || r.Removed.Changed()
}

// Lines say what the run did, one sentence each: the link (created, reused,
// deleted), the non-MDM evidence, the verification's verdict and the saves.
func (r Record) Lines() []string {
	var out []string
	switch {
	case r.Created != nil && r.Link != nil && r.Link.Client.ClientID != r.Created.Client.ClientID:
		out = append(out, r.Created.Outcome(), r.Link.Outcome())
	case r.Created != nil:
		out = append(out, r.Created.Outcome())
	case r.Link != nil:
		out = append(out, r.Link.Outcome())
	}
	if r.Pending {
		out = append(out, "The wizard stopped while the link was being created: look in Administration → Application links to see whether it exists.")
	}
	if r.Mobile != nil && r.Mobile.Confirmed() {
		out = append(out, r.Mobile.Describe())
	}
	out = append(out, r.RemovedLines()...)
	if r.Verified != nil {
		out = append(out, r.Verified.Verdict())
	}
	for _, s := range r.Saved {
		out = append(out, s.Text())
	}
	// Pushes that were sent or failed: one declined at its confirmation
	// changed nothing anywhere and is not worth a line.
	for _, p := range r.Pushed {
		if p.Result != nil || p.Err != nil {
			out = append(out, p.Text())
		}
	}
	if len(out) == 0 || (!r.Changed() && r.Link == nil && (r.Mobile == nil || !r.Mobile.Confirmed())) {
		out = append([]string{"Nothing was changed on the instance."}, out...)
	}
	return out
}

// RemovedLines say what deleting the app's link did (the outcome first,
// then what follows for the site list); nil when no deletion was carried out.
func (r Record) RemovedLines() []string {
	if r.Removed == nil {
		return nil
	}
	out := []string{r.Removed.Outcome(r.RemovePlan)}
	if r.Removed.Changed() && r.Mode != ModeNonMDM && r.Link != nil && r.Link.Client.ClientID == r.Removed.Removed.ClientID {
		out = append(out, "Its site is out of the site list: its client ID no longer signs anyone in.")
	}
	return out
}

// Outcome is the record's first line: what happened to the link.
func (r Record) Outcome() string { return r.Lines()[0] }

// SignInFails reports whether the last verification found that the app's
// sign-in will not work: a result must say so before "paste this".
func (r Record) SignInFails() bool { return r.Verified != nil && !r.Verified.OK() }
