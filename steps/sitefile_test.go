package steps

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Hostile client IDs never reach a site list, whichever way they come.
func TestSiteListRefusesClientIDsThatAreNotPlainTokens(t *testing.T) {
	for _, id := range []string{"abc\x1b]52;c;cm0=\x07", "abc\u009b2J", "abc\u202edcba", "a b", "abc\n", strings.Repeat("a", 256)} {
		s := Site{Title: "t", BaseURL: "https://jira.example.com", OAuth: &SiteOAuth{ClientID: id}}
		if out, err := RenderSites([]Site{s}, FormatJSON); err == nil {
			t.Errorf("RenderSites wrote client ID %q:\n%s", id, out)
		} else if strings.ContainsAny(err.Error(), "\x1b\x07\u009b\u202e\n") {
			t.Errorf("the error prints the client ID raw: %q", err)
		}
		path := filepath.Join(t.TempDir(), "sites.json")
		if _, err := SaveSites(path, s, FormatJSON); err == nil {
			t.Errorf("SaveSites wrote client ID %q", id)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("SaveSites created %s for client ID %q", path, id)
		}
		// A list holding one (written by hand or by an older version) is not
		// a list the wizard rewrites.
		raw := fmt.Sprintf(`[{"title":"t","baseURL":"https://x.example.com","oauth":{"clientID":%q,"cacheSessionInMobileBrowser":false}}]`, id)
		if _, _, err := ParseSites([]byte(raw)); !errors.Is(err, errNotSiteList) {
			t.Errorf("ParseSites accepted client ID %q: %v", id, err)
		}
	}
}

func TestSaveSitesNeverOpensSpecialFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs or /dev/zero")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link-to-fifo")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"fifo": fifo, "link to a fifo": link, "device": "/dev/zero", "null": "/dev/null"} {
		t.Run(name, func(t *testing.T) {
			for _, fn := range []func() error{
				func() error { _, err := CheckSiteListFile(path); return err },
				func() error { _, err := SaveSites(path, jiraSite, FormatJSON); return err },
			} {
				done := make(chan error, 1)
				go func() { done <- fn() }()
				select {
				case err := <-done:
					if err == nil || !strings.Contains(err.Error(), "not a regular file") {
						t.Fatalf("err = %v, want a refusal of a file that is not a regular file", err)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("hangs on a special file")
				}
			}
		})
	}
}

func TestSaveSitesRefusesAReadOnlyList(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sites.json")
	old, _ := RenderSites([]Site{confluenceSite}, FormatJSON)
	if err := os.WriteFile(path, old, 0o400); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{func() error { _, err := CheckSiteListFile(path); return err }(), func() error { _, err := SaveSites(path, jiraSite, FormatJSON); return err }()} {
		if err == nil || !strings.Contains(err.Error(), "read-only") {
			t.Fatalf("err = %v, want a refusal of a read-only list", err)
		}
	}
	if data, _ := os.ReadFile(path); !bytes.Equal(data, old) {
		t.Fatalf("the read-only list was replaced:\n%s", data)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o400 {
		t.Fatalf("mode changed to %v", fi.Mode().Perm())
	}
}

// stickyFolder is a folder like /tmp (sticky, anyone may create files); it
// skips tests that cannot give a link to another user.
func stickyFolder(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" || os.Geteuid() != 0 {
		t.Skip("needs root to give a link to another user")
	}
	shared := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	return shared
}

// A root run writing to /tmp/sites.json must not follow a link another user
// put there; its own link is followed as before.
func TestSaveSitesFollowsNoStrangersLinkInAStickyFolder(t *testing.T) {
	shared := stickyFolder(t)
	victim := filepath.Join(t.TempDir(), "victim.json")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(shared, "sites.json")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{func() error { _, err := CheckSiteListFile(link); return err }(), func() error { _, err := SaveSites(link, jiraSite, FormatJSON); return err }()} {
		if !errors.Is(err, ErrUntrustedLink) {
			t.Fatalf("err = %v, want ErrUntrustedLink", err)
		}
	}
	if data, _ := os.ReadFile(victim); string(data) != "precious\n" {
		t.Fatalf("the link was followed: %q", data)
	}

	// The user's own link in the same folder is followed.
	if err := os.Lchown(link, os.Geteuid(), os.Getegid()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(victim, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := SaveSites(link, jiraSite, FormatJSON); err != nil {
		t.Fatalf("own link: %v", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the own link was replaced instead of followed")
	}

	// Outside a sticky world-writable folder, links are followed whoever owns them.
	plain := filepath.Join(t.TempDir(), "sites.json")
	if err := os.Symlink(victim, plain); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(plain, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if _, err := SaveSites(plain, confluenceSite, FormatJSON); err != nil {
		t.Fatalf("link in a private folder: %v", err)
	}
}

// A folder on the path is checked like the file: a link another user planted
// in /tmp (ln -s /some/dir /tmp/x) must not choose where a root run's
// --output /tmp/x/sites.json lands, nor may such a link further along a
// link's target.
func TestSaveSitesFollowsNoStrangersFolderLinkInAStickyFolder(t *testing.T) {
	shared := stickyFolder(t)
	someDir := t.TempDir()
	planted := filepath.Join(shared, "x")
	if err := os.Symlink(someDir, planted); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(planted, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	// The user's own link elsewhere, pointing through the planted one.
	own := filepath.Join(t.TempDir(), "out")
	if err := os.Symlink(planted, own); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(planted, "sites.json"),
		filepath.Join(shared, ".", "x", "sites.json"),
		filepath.Join(own, "sites.json"),
	} {
		if _, err := SaveSites(path, jiraSite, FormatJSON); !errors.Is(err, ErrUntrustedLink) {
			t.Errorf("save to %s: err = %v, want ErrUntrustedLink", path, err)
		}
		if _, err := CheckSiteListFile(path); !errors.Is(err, ErrUntrustedLink) {
			t.Errorf("check %s: err = %v, want ErrUntrustedLink", path, err)
		}
	}
	if entries, _ := os.ReadDir(someDir); len(entries) != 0 {
		t.Fatalf("the planted folder link was followed: %v", entries)
	}

	// The user's own folder link in the same folder is followed.
	if err := os.Lchown(planted, os.Geteuid(), os.Getegid()); err != nil {
		t.Fatal(err)
	}
	if _, err := SaveSites(filepath.Join(planted, "sites.json"), jiraSite, FormatJSON); err != nil {
		t.Fatalf("own folder link: %v", err)
	}
	if _, err := os.Stat(filepath.Join(someDir, "sites.json")); err != nil {
		t.Errorf("the own folder link was not followed: %v", err)
	}
}

// Runs saving to one list at the same time each keep the others' sites.
func TestSaveSitesConcurrentWritersLoseNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sites.json")
	const writers = 24
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			s := Site{Title: fmt.Sprint("site ", i), BaseURL: fmt.Sprintf("https://jira%d.example.com", i),
				OAuth: &SiteOAuth{ClientID: fmt.Sprintf("%032x", i)}}
			if _, err := SaveSites(path, s, FormatJSON); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sites, _, err := ParseSites(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) != writers {
		t.Fatalf("%d of %d sites in the list: concurrent writers lost entries", len(sites), writers)
	}
	if names := dirEntries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v", names)
	}
}

// FuzzSaveSites: whatever the file held and whatever the site is, SaveSites
// either writes a list that reads back with the site in it and every other
// entry kept, or leaves the file exactly as it was.
func FuzzSaveSites(f *testing.F) {
	f.Add([]byte(`[{"title":"A","baseURL":"https://a.example.com"}]`), "T", "https://jira.example.com", "0123456789abcdef0123456789abcdef", uint8(0))
	f.Add([]byte(""), "R&D <EU>", "https://jira.example.com/", "abc\x1b]52;c;x\x07", uint8(1))
	f.Add([]byte("Configuration key: sites\nValue type: String\nConfiguration value: []\n"), "t\u202e", "https://x", "a-b_C", uint8(2))
	f.Add([]byte(`{"foo":1}`), "", "", "", uint8(0))
	f.Fuzz(func(t *testing.T, before []byte, title, baseURL, clientID string, fmtIdx uint8) {
		format := []Format{FormatJSON, FormatPlist, FormatIntune}[int(fmtIdx)%3]
		path := filepath.Join(t.TempDir(), "sites")
		if err := os.WriteFile(path, before, 0o600); err != nil {
			t.Fatal(err)
		}
		s := Site{Title: title, BaseURL: baseURL}
		if clientID != "" {
			s.OAuth = &SiteOAuth{ClientID: clientID}
		}
		merged, err := SaveSites(path, s, format)
		after, rerr := os.ReadFile(path)
		if rerr != nil {
			t.Fatal(rerr)
		}
		if err != nil {
			if !bytes.Equal(after, before) {
				t.Fatalf("SaveSites failed (%v) and changed the file", err)
			}
			return
		}
		back, gotF, perr := ParseSites(after)
		if perr != nil || gotF != format {
			t.Fatalf("written list does not read back as %s (%s, %v):\n%s", format, gotF, perr, after)
		}
		if len(back) != len(merged) {
			t.Fatalf("file holds %d sites, SaveSites returned %d", len(back), len(merged))
		}
		// Invalid UTF-8 is written as U+FFFD, as encoding/json does.
		want := Site{Title: viaJSON(s.Title), BaseURL: viaJSON(s.BaseURL)}
		found := false
		for _, b := range back {
			if b.BaseURL == want.BaseURL && b.Title == want.Title {
				found = true
			}
			if b.OAuth != nil && strings.ContainsAny(b.OAuth.ClientID, "\x1b\x07\u009b\u202e") {
				t.Fatalf("a control character reached the list: %q", b.OAuth.ClientID)
			}
		}
		if !found {
			t.Fatalf("the site is not in the written list: %+v", back)
		}
		if existing, _, err := ParseSites(before); err == nil {
			for _, e := range existing {
				if !SameBaseURL(e.BaseURL, s.BaseURL) && !containsSite(back, e) {
					t.Fatalf("entry %+v was lost", e)
				}
			}
		}
	})
}

func viaJSON(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

func containsSite(list []Site, s Site) bool {
	for _, e := range list {
		if e.Title == s.Title && e.BaseURL == s.BaseURL && (e.OAuth == nil) == (s.OAuth == nil) &&
			(e.OAuth == nil || *e.OAuth == *s.OAuth) {
			return true
		}
	}
	return false
}

// TestSaveSitesIgnoresALockOnTheFolder: another user's flock on the folder
// (flock /tmp sleep 45) used to hold every run writing there for 30 s and
// then fail it, after the link was created. The lock is the writer's own.
func TestSaveSitesIgnoresALockOnTheFolder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := SaveSites(filepath.Join(dir, "sites.json"), jiraSite, FormatJSON)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("save beside a locked folder: %v", err)
		}
	case <-time.After(lockWait - 5*time.Second):
		t.Fatal("the save waits for a lock someone else holds on the folder")
	}
}
