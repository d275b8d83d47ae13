package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/licensebot/licensebot/store"
)

func TestAudit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(b)

		t.Run("a request's events read back in order with their fields", func(t *testing.T) {
			id, other := mustID(t), mustID(t)
			at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
			want := []store.AuditEvent{
				{RequestID: id, Action: "requested", Actor: "U-admin", At: at,
					Fields: map[string]string{"sku": "ENTERPRISEPACK", "user": "alice@contoso.com"}},
				{RequestID: id, Action: "confirmed", Actor: "U-admin", At: at.Add(time.Minute)},
				{RequestID: id, Action: "approved", Actor: "U-manager", At: at.Add(2 * time.Minute)},
				{RequestID: id, Action: "removed", Actor: "licensebot", At: at.Add(3 * time.Minute),
					Fields: map[string]string{"graph-request-id": "5f2a", "user": "alice@contoso.com"}},
			}
			for i, e := range want {
				if err := s.Audit(ctx, e); err != nil {
					t.Fatal(err)
				}
				// Another request's events interleave; they must not show up.
				if err := s.Audit(ctx, store.AuditEvent{RequestID: other, Action: fmt.Sprint("noise", i), Actor: "x"}); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.AuditLog(ctx, id, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("AuditLog =\n%+v\nwant\n%+v", got, want)
			}
		})

		t.Run("max keeps the latest events, oldest first", func(t *testing.T) {
			id := mustID(t)
			for _, a := range []string{"requested", "confirmed", "approved", "removed"} {
				if err := s.Audit(ctx, store.AuditEvent{RequestID: id, Action: a, Actor: "u"}); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.AuditLog(ctx, id, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].Action != "approved" || got[1].Action != "removed" {
				t.Fatalf("AuditLog(max 2) = %+v, want approved then removed", got)
			}
		})

		t.Run("an event without a time gets the store's clock", func(t *testing.T) {
			id := mustID(t)
			if err := s.Audit(ctx, store.AuditEvent{RequestID: id, Action: "denied", Actor: "U-manager"}); err != nil {
				t.Fatal(err)
			}
			got, err := s.AuditLog(ctx, id, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !got[0].At.Equal(testNow) {
				t.Fatalf("AuditLog = %+v, want one event at %s", got, testNow)
			}
		})

		t.Run("a request without events has an empty log", func(t *testing.T) {
			got, err := s.AuditLog(ctx, mustID(t), 10)
			if err != nil || len(got) != 0 {
				t.Fatalf("AuditLog = %+v, %v; want empty", got, err)
			}
		})

		t.Run("every event also goes to the global stream, events without a request only there", func(t *testing.T) {
			before, err := b.rdb.XLen(ctx, "test:{audit}").Result()
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Audit(ctx, store.AuditEvent{Action: "refused", Actor: "U-intruder"}); err != nil {
				t.Fatal(err)
			}
			if err := s.Audit(ctx, store.AuditEvent{RequestID: mustID(t), Action: "requested", Actor: "U-admin"}); err != nil {
				t.Fatal(err)
			}
			after, err := b.rdb.XLen(ctx, "test:{audit}").Result()
			if err != nil {
				t.Fatal(err)
			}
			if after-before != 2 {
				t.Fatalf("global stream grew by %d, want 2", after-before)
			}
		})

		t.Run("a request's audit stream expires after the retention", func(t *testing.T) {
			id := mustID(t)
			if err := s.Audit(ctx, store.AuditEvent{RequestID: id, Action: "requested", Actor: "u"}); err != nil {
				t.Fatal(err)
			}
			assertTTL(t, b, "test:req:{"+id+"}:audit", store.DefaultAuditRetention)
		})

		t.Run("a malformed request id is refused", func(t *testing.T) {
			if err := s.Audit(ctx, store.AuditEvent{RequestID: "a}b", Action: "x"}); !errors.Is(err, store.ErrInvalidID) {
				t.Errorf("Audit: err = %v, want ErrInvalidID", err)
			}
			if _, err := s.AuditLog(ctx, "a}b", 1); !errors.Is(err, store.ErrInvalidID) {
				t.Errorf("AuditLog: err = %v, want ErrInvalidID", err)
			}
		})
	})
}
