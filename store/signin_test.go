package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/licensebot/licensebot/store"
)

// A pending sign-in works once, expires, and refuses a state that could break its key.
func TestSignInStateWorksOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		testSignInStateWorksOnce(t, b)
	})
}

func testSignInStateWorksOnce(t *testing.T, b backend) {
	st := newStore(b)
	ctx := context.Background()
	if err := st.PutSignIn(ctx, "abc_DEF-123", []byte(`{"nonce":"n"}`), time.Minute); err != nil {
		t.Fatal(err)
	}
	got, ok, err := st.TakeSignIn(ctx, "abc_DEF-123")
	if err != nil || !ok || !bytes.Equal(got, []byte(`{"nonce":"n"}`)) {
		t.Fatalf("first take: %q %v %v", got, ok, err)
	}
	if _, ok, err := st.TakeSignIn(ctx, "abc_DEF-123"); ok || err != nil {
		t.Fatalf("second take: %v %v, want nothing", ok, err)
	}
	for _, bad := range []string{"", "a:b", "{x}", string(make([]byte, 200))} {
		if err := st.PutSignIn(ctx, bad, []byte("x"), time.Minute); err == nil {
			t.Errorf("state %q kept", bad)
		}
		if _, ok, err := st.TakeSignIn(ctx, bad); ok || err != nil {
			t.Errorf("state %q taken: %v %v", bad, ok, err)
		}
	}
	if err := st.PutSignIn(ctx, "short", []byte("x"), 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	b.advance(120 * time.Millisecond)
	if _, ok, _ := st.TakeSignIn(ctx, "short"); ok {
		t.Error("an expired sign-in was taken")
	}
}

// A link made by signing in keeps its evidence; a link set again without it loses it.
func TestALinkKeepsItsSignIn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := newStore(b)
		ctx := context.Background()
		a := store.ChatAccount{Platform: "slack", Workspace: "T1", ChatID: "U1"}
		at := testNow.Add(-time.Hour)
		l := store.Link{Account: a, UserID: "oid-1", UPN: "megan@contoso.example", By: "megan@contoso.example", At: testNow,
			Method: "signin", SignedInAt: at, Evidence: "auth_time", AuthContexts: []string{"c1", "c3"}}
		if err := s.SetLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetLink(ctx, a)
		if err != nil || got.Method != "signin" || !got.SignedInAt.Equal(at) || got.Evidence != "auth_time" || len(got.AuthContexts) != 2 || got.AuthContexts[1] != "c3" {
			t.Fatalf("got %+v, %v", got, err)
		}
		if err := s.SetLink(ctx, store.Link{Account: a, UserID: "oid-1", UPN: "megan@contoso.example", By: "adele@contoso.example", At: testNow, Method: "approval"}); err != nil {
			t.Fatal(err)
		}
		got, err = s.GetLink(ctx, a)
		if err != nil || got.Method != "approval" || !got.SignedInAt.IsZero() || got.Evidence != "" || got.AuthContexts != nil {
			t.Fatalf("after an approval link: %+v, %v", got, err)
		}
		if err := s.SetLink(ctx, store.Link{Account: a, UserID: "oid-1", AuthContexts: []string{"c1,c2"}}); err == nil {
			t.Error("an authentication context with a comma was kept")
		}
	})
}

func TestFirstTimeIsOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := newStore(b)
		ctx := context.Background()
		for i, want := range []bool{true, false, false} {
			got, err := s.FirstTime(ctx, "seats_sku1_2027-05-01", time.Hour)
			if err != nil || got != want {
				t.Fatalf("call %d: %v, %v; want %v", i, got, err, want)
			}
		}
		if _, err := s.FirstTime(ctx, "a:b", time.Hour); err == nil {
			t.Error("a key with a colon was marked")
		}
	})
}
