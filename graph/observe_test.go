package graph

import "testing"

func TestOperationHasNoIDs(t *testing.T) {
	tests := map[string]string{
		"/v1.0/users/6e7b768e-07e2-4810-8459-485f84f8f204/assignLicense": "/users/{id}/assignLicense",
		"/v1.0/users/alice@contoso.example":                              "/users/{id}",
		"/v1.0/users/alice%40contoso.example/licenseDetails":             "/users/{id}/licenseDetails",
		"/v1.0/users/abc/transitiveMemberOf/graph.directoryRole":         "/users/{id}/transitiveMemberOf/graph.directoryRole",
		"/v1.0/groups/0b8e3b7e-2c2a-4e7e-9a45-6b1a1c0c5d21":              "/groups/{id}",
		"/v1.0/subscribedSkus":                                           "/subscribedSkus",
		"/v1.0/$batch":                                                   "/$batch",
		"/v1.0/users":                                                    "/users",
		"/v1.0/directory/subscriptions":                                  "/directory/subscriptions",
	}
	for path, want := range tests {
		if got := pathOperation(path); got != want {
			t.Errorf("pathOperation(%q) = %q, want %q", path, got, want)
		}
	}
}
