package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestRoleCache(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)

		t.Run("cached roles read back until they expire", func(t *testing.T) {
			roles := []string{"License Administrator", "User Administrator"}
			if err := s.CacheRoles(ctx, "user-1", roles, 100*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			got, ok, err := s.CachedRoles(ctx, "user-1")
			if err != nil || !ok || !reflect.DeepEqual(got, roles) {
				t.Fatalf("CachedRoles = %q, %v, %v; want %q, true", got, ok, err, roles)
			}
			b.advance(150 * time.Millisecond)
			got, ok, err = s.CachedRoles(ctx, "user-1")
			if err != nil || ok || got != nil {
				t.Fatalf("after expiry CachedRoles = %q, %v, %v; want nothing", got, ok, err)
			}
		})

		t.Run("no roles is an answer and is cached", func(t *testing.T) {
			if err := s.CacheRoles(ctx, "user-2", nil, time.Minute); err != nil {
				t.Fatal(err)
			}
			got, ok, err := s.CachedRoles(ctx, "user-2")
			if err != nil || !ok || len(got) != 0 {
				t.Fatalf("CachedRoles = %q, %v, %v; want empty, true", got, ok, err)
			}
		})

		t.Run("a user never cached is a miss", func(t *testing.T) {
			_, ok, err := s.CachedRoles(ctx, "user-never")
			if err != nil || ok {
				t.Fatalf("CachedRoles = ok %v, err %v; want a miss", ok, err)
			}
		})

		t.Run("caching again replaces the roles", func(t *testing.T) {
			for _, roles := range [][]string{{"Global Administrator"}, {"User Administrator"}} {
				if err := s.CacheRoles(ctx, "user-3", roles, time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			got, _, err := s.CachedRoles(ctx, "user-3")
			if err != nil || !reflect.DeepEqual(got, []string{"User Administrator"}) {
				t.Fatalf("CachedRoles = %q, %v; want the latest roles", got, err)
			}
		})
	})
}
