package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/licensebot/licensebot/store"
)

func TestALinkIsReadBothWays(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)
		nestor := store.ChatAccount{Platform: "discord", Workspace: "290926798626357999", ChatID: "80351110224678912"}
		if _, err := s.GetLink(ctx, nestor); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("before linking: %v", err)
		}
		l := store.Link{Account: nestor, UserID: "u-nestor", UPN: "nestor@contoso.example", By: "adele@contoso.example", Request: "req1", At: testNow}
		if err := s.SetLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetLink(ctx, nestor)
		if err != nil || !reflect.DeepEqual(got, l) {
			t.Fatalf("got %+v, %v; want %+v", got, err, l)
		}
		if a, err := s.LinkedAccount(ctx, "discord", "u-nestor"); err != nil || a != nestor {
			t.Fatalf("the way back: %+v, %v", a, err)
		}
		// Another workspace, another platform: other accounts.
		for _, other := range []store.ChatAccount{{Platform: "discord", Workspace: "1", ChatID: nestor.ChatID}, {Platform: "slack", ChatID: nestor.ChatID}} {
			if _, err := s.GetLink(ctx, other); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%+v: %v", other, err)
			}
		}
		if _, err := s.LinkedAccount(ctx, "slack", "u-nestor"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the way back on another platform: %v", err)
		}
		// Links don't expire: they last until they are replaced.
		keys, _ := b.rdb.Keys(ctx, "test:{links}:*").Result()
		if len(keys) != 2 {
			t.Fatalf("keys %v", keys)
		}
		for _, k := range keys {
			if ttl := b.rdb.PTTL(ctx, k).Val(); ttl != -1 {
				t.Errorf("%s: TTL %s", k, ttl)
			}
		}
	})
}

// Linked to someone else, an account is no longer the way back to the first user; a user
// linked from a second account is reached there.
func TestARelinkedAccountLeavesItsOldUser(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)
		a := store.ChatAccount{Platform: "discord", Workspace: "g", ChatID: "1"}
		c := store.ChatAccount{Platform: "discord", Workspace: "g", ChatID: "2"}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.SetLink(ctx, store.Link{Account: a, UserID: "u-adele", UPN: "adele@contoso.example", At: testNow}))
		must(s.SetLink(ctx, store.Link{Account: a, UserID: "u-megan", UPN: "megan@contoso.example", At: testNow}))
		if _, err := s.LinkedAccount(ctx, "discord", "u-adele"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("adele's way back after relinking: %v", err)
		}
		if got, err := s.LinkedAccount(ctx, "discord", "u-megan"); err != nil || got != a {
			t.Fatalf("megan's: %+v, %v", got, err)
		}
		// Megan links a second account: the way back is the newest.
		must(s.SetLink(ctx, store.Link{Account: c, UserID: "u-megan", UPN: "megan@contoso.example", At: testNow}))
		if got, err := s.LinkedAccount(ctx, "discord", "u-megan"); err != nil || got != c {
			t.Fatalf("megan's after a second account: %+v, %v", got, err)
		}
		// The first account, linked to Adele again, takes nothing from Megan's second one.
		must(s.SetLink(ctx, store.Link{Account: a, UserID: "u-adele", UPN: "adele@contoso.example", At: testNow}))
		if got, err := s.LinkedAccount(ctx, "discord", "u-megan"); err != nil || got != c {
			t.Fatalf("megan's after the first account moved: %+v, %v", got, err)
		}
		if got, err := s.LinkedAccount(ctx, "discord", "u-adele"); err != nil || got != a {
			t.Fatalf("adele's: %+v, %v", got, err)
		}
	})
}

// Links of one account set at once all succeed, and the account ends linked to one of them
// with the way back from that one only.
func TestLinksOfOneAccountSetAtOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)
		a := store.ChatAccount{Platform: "discord", Workspace: "g", ChatID: "1"}
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				errs[i] = s.SetLink(ctx, store.Link{Account: a, UserID: fmt.Sprintf("u-%d", i), UPN: fmt.Sprintf("u%d@contoso.example", i), At: testNow})
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		l, err := s.GetLink(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		for i := range errs {
			user := fmt.Sprintf("u-%d", i)
			_, err := s.LinkedAccount(ctx, "discord", user)
			if (user == l.UserID) != (err == nil) {
				t.Errorf("%s (linked: %s): way back %v", user, l.UserID, err)
			}
		}
	})
}

func TestALinkKeyCantBeBrokenOutOf(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)
		for _, a := range []store.ChatAccount{
			{Platform: "discord", Workspace: "g}", ChatID: "1"},
			{Platform: "discord", Workspace: "g", ChatID: "1:x"},
			{Platform: "", ChatID: "1"},
			{Platform: "slack", ChatID: strings.Repeat("U", 129)},
		} {
			if err := s.SetLink(ctx, store.Link{Account: a, UserID: "u"}); !errors.Is(err, store.ErrInvalidID) {
				t.Errorf("%+v: %v", a, err)
			}
			if _, err := s.GetLink(ctx, a); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("get %+v: %v", a, err)
			}
		}
		if keys, _ := b.rdb.Keys(ctx, "*").Result(); len(keys) != 0 {
			t.Errorf("keys written: %v", keys)
		}
	})
}

// Unlinking removes both directions at once; another account linked to the same user keeps
// its way back.
func TestDeleteLinkRemovesBothDirections(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)
		nestor := store.ChatAccount{Platform: "discord", Workspace: "g1", ChatID: "d-nestor"}
		second := store.ChatAccount{Platform: "discord", Workspace: "g2", ChatID: "d-nestor2"}
		if _, err := s.DeleteLink(ctx, nestor); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unlinking an account without a link: %v", err)
		}
		l := store.Link{Account: nestor, UserID: "u-nestor", UPN: "nestor@contoso.example", By: "adele@contoso.example", Request: "req1", At: testNow}
		if err := s.SetLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		got, err := s.DeleteLink(ctx, nestor)
		if err != nil || !reflect.DeepEqual(got, l) {
			t.Fatalf("deleted %+v, %v; want %+v", got, err, l)
		}
		if _, err := s.GetLink(ctx, nestor); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after unlinking: %v", err)
		}
		if _, err := s.LinkedAccount(ctx, "discord", "u-nestor"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the way back after unlinking: %v", err)
		}
		if keys, _ := b.rdb.Keys(ctx, "test:{links}:*").Result(); len(keys) != 0 {
			t.Fatalf("keys left %v", keys)
		}
		if _, err := s.DeleteLink(ctx, nestor); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unlinking twice: %v", err)
		}

		// The way back names the account linked last: unlinking an older one leaves it.
		l2 := l
		l2.Account = second
		if err := s.SetLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		if err := s.SetLink(ctx, l2); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteLink(ctx, nestor); err != nil {
			t.Fatal(err)
		}
		if a, err := s.LinkedAccount(ctx, "discord", "u-nestor"); err != nil || a != second {
			t.Fatalf("the way back to the second account: %+v, %v", a, err)
		}
		if _, err := s.DeleteLink(ctx, store.ChatAccount{Platform: "discord", ChatID: "a:b"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a bad account: %v", err)
		}
	})
}
