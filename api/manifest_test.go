package api

import "testing"

func TestParseManifest(t *testing.T) {
	tests := []struct {
		name, in string
		want     Manifest
		ok       bool
	}{
		{"xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><manifest><id>abc</id><name>Acme Jira</name><typeId>jira</typeId><version>10.3.0</version><buildNumber>10030000</buildNumber><applinksVersion>10.0.8</applinksVersion><publicSignup>false</publicSignup><url>https://jira.example.com</url></manifest>`,
			Manifest{ID: "abc", Name: "Acme Jira", TypeID: "jira", Version: "10.3.0", BuildNumber: 10030000, ApplinksVersion: "10.0.8", URL: "https://jira.example.com"}, true},
		{"xml with another root and nested extras", `<applicationManifest><typeId>confluence</typeId><version>9.2.3</version><inboundAuthenticationTypes><x>1</x></inboundAuthenticationTypes><url>https://wiki</url></applicationManifest>`,
			Manifest{TypeID: "confluence", Version: "9.2.3", URL: "https://wiki"}, true},
		{"json", `{"id":"abc","name":"J","typeId":"jira","version":"9.12.14","buildNumber":912014,"url":"https://j","publicSignup":true}`,
			Manifest{ID: "abc", Name: "J", TypeID: "jira", Version: "9.12.14", BuildNumber: 912014, URL: "https://j", PublicSignup: true}, true},
		{"empty", "", Manifest{}, false},
		{"html", "<html><body>login</body></html>", Manifest{}, false},
		{"no type", `{"version":"1"}`, Manifest{}, false},
		{"cut short", `<manifest><typeId>jira</typeId>`, Manifest{}, false},
		{"text", "hello", Manifest{}, false},
		{"blank type", `{"tYpeId":" "}`, Manifest{}, false},
		{"control-character type", "{\"typeId\":\"\\u001b\"}", Manifest{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseManifest([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && *got != tt.want {
				t.Fatalf("got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`<manifest><typeId>jira</typeId><version>10.3.0</version></manifest>`))
	f.Add([]byte(`{"typeId":"confluence","version":"9.1.0"}`))
	f.Add([]byte(`<a><b><c></c></b></a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err == nil && m.TypeID == "" {
			t.Fatalf("accepted a manifest without a type: %q", data)
		}
	})
}
