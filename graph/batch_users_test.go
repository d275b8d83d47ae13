package graph

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/licensebot/licensebot/graph/graphtest"
	"github.com/licensebot/licensebot/licensing"
)

// FindUsersBatch reads each user exactly as FindUser does, 20 to a $batch, and names the
// groups a license is inherited from without reading them again on the next call.
func TestFindUsersBatchReadsAsFindUserDoes(t *testing.T) {
	tenant, _ := withBulkUsers(20)
	c, srv := newTenant(t, tenant)
	ctx := context.Background()
	queries := []string{"alice@contoso.example", "grady.archie@contoso.example", "sean.o'neil@contoso.example",
		userID(t, srv, "nestor@contoso.example"), "ghost@contoso.example", "alex@contoso.example"}
	for i := range 20 {
		queries = append(queries, fmt.Sprintf("bulk%04d@contoso.example", i))
	}
	batches := srv.Calls("POST", "/$batch")
	got := c.FindUsersBatch(ctx, queries)
	if n := srv.Calls("POST", "/$batch") - batches; n != 2 {
		t.Fatalf("%d $batch calls for %d users, want 2", n, len(queries))
	}
	if len(got) != len(queries) {
		t.Fatalf("%d lookups for %d queries", len(got), len(queries))
	}
	for i, q := range queries {
		want, wantErr := c.FindUser(ctx, q)
		if got[i].Query != q {
			t.Errorf("lookup %d is for %q, want %q", i, got[i].Query, q)
		}
		switch {
		case wantErr != nil:
			if !errors.Is(got[i].Err, licensing.ErrUserNotFound) || !errors.Is(wantErr, licensing.ErrUserNotFound) {
				t.Errorf("%s: batch error %v, FindUser error %v", q, got[i].Err, wantErr)
			}
		case got[i].Err != nil:
			t.Errorf("%s: %v", q, got[i].Err)
		case !reflect.DeepEqual(got[i].User, want):
			t.Errorf("%s:\n batch    %+v\n FindUser %+v", q, got[i].User, want)
		}
	}
	groups := srv.Calls("GET", "/groups")
	c.FindUsersBatch(ctx, queries[:6])
	if n := srv.Calls("GET", "/groups") - groups; n != 0 {
		t.Errorf("%d group reads on the second call, want none (cached)", n)
	}
}

// A step Graph refuses fails that user only, mapped as FindUser maps it; a $batch that fails
// fails its users, and nothing is taken for a success.
func TestFindUsersBatchStepFailures(t *testing.T) {
	c, _ := newTenant(t, graphtest.SampleTenant(), graphtest.WithBatchFailureRate(1))
	got := c.FindUsersBatch(context.Background(), []string{"alice@contoso.example", "bob@contoso.example"})
	for _, l := range got {
		if l.Err == nil || !errors.Is(l.Err, licensing.ErrUnavailable) {
			t.Errorf("%s: %v, want unavailable", l.Query, l.Err)
		}
	}
	bad := c.FindUsersBatch(context.Background(), []string{"not an address"})
	if !errors.Is(bad[0].Err, ErrBadUserQuery) {
		t.Errorf("a bad query: %v", bad[0].Err)
	}
}
