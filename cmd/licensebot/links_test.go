package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/licensebot/licensebot/configs"
	"github.com/licensebot/licensebot/handlers"
	"github.com/licensebot/licensebot/store"
)

// The handlers' Links: DISCORD_USER_MAP first (in any server, unchangeable), then the
// links administrators approved, then the links Discord's own workflow stored before
// linking moved into the handlers.
func TestLinksFromConfigurationTheStoreAndBefore(t *testing.T) {
	t.Parallel()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	st := store.New(rdb, "licensebot")
	ctx := context.Background()
	var cfg configs.Config
	cfg.Discord.UserMap = map[string]string{"111": "adele@contoso.example"}
	l, err := newLinks(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	discord := func(guild, id string) handlers.ChatAccount {
		return handlers.ChatAccount{Platform: "discord", Workspace: guild, ChatID: id}
	}

	if got, ok, err := l.Link(ctx, discord("g1", "111")); err != nil || !ok || !got.Fixed || got.UPN != "adele@contoso.example" {
		t.Fatalf("from configuration: %+v %v %v", got, ok, err)
	}
	if a, ok, _ := l.LinkedAccount(ctx, "discord", "u-adele", "Adele@contoso.example"); !ok || a.ChatID != "111" {
		t.Fatalf("back from configuration: %+v %v", a, ok)
	}
	if _, ok, _ := l.Link(ctx, handlers.ChatAccount{Platform: "slack", ChatID: "111"}); ok {
		t.Fatal("DISCORD_USER_MAP linked a Slack account")
	}

	at := time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)
	if err := l.SetLink(ctx, handlers.Link{Account: discord("g1", "333"), UserID: "u-hal", UPN: "hal@contoso.example", By: "adele@contoso.example", Request: "r1", At: at}); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := l.Link(ctx, discord("g1", "333")); err != nil || !ok || got.UserID != "u-hal" || got.By != "adele@contoso.example" || !got.At.Equal(at) {
		t.Fatalf("stored: %+v %v %v", got, ok, err)
	}
	if _, ok, _ := l.Link(ctx, discord("g2", "333")); ok {
		t.Fatal("a link of one server holds in another")
	}
	if a, ok, _ := l.LinkedAccount(ctx, "discord", "u-hal", "hal@contoso.example"); !ok || a != discord("g1", "333") {
		t.Fatalf("back from the store: %+v %v", a, ok)
	}

	// Discord's records from before: dlu-<id> and dlm-<hash of the UPN>.
	sum := sha256.Sum256([]byte("megan@contoso.example"))
	for id, data := range map[string]string{
		"dlu-222":                             `{"upn":"megan@contoso.example","by":"999","at":"2026-01-02T03:04:05Z"}`,
		"dlm-" + hex.EncodeToString(sum[:20]): `{"discord_id":"222","by":"999","at":"2026-01-02T03:04:05Z"}`,
	} {
		if _, err := st.Create(ctx, id, "linked", []byte(data), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if got, ok, err := l.Link(ctx, discord("g1", "222")); err != nil || !ok || got.UPN != "megan@contoso.example" || got.Fixed {
		t.Fatalf("from before: %+v %v %v", got, ok, err)
	}
	if a, ok, _ := l.LinkedAccount(ctx, "discord", "u-megan", "MEGAN@contoso.example"); !ok || a.ChatID != "222" {
		t.Fatalf("back from before: %+v %v", a, ok)
	}
	if _, ok, _ := l.LinkedAccount(ctx, "discord", "u-nobody", "nobody@contoso.example"); ok {
		t.Fatal("someone unlinked found")
	}

	// Unlink: the store's link both ways, a link from before by its record, never one from
	// configuration.
	if _, ok, err := l.Unlink(ctx, discord("g1", "111")); err != nil || ok {
		t.Fatalf("unlinked configuration: %v %v", ok, err)
	}
	if _, ok, _ := l.Link(ctx, discord("g1", "111")); !ok {
		t.Fatal("the link from configuration is gone")
	}
	if got, ok, err := l.Unlink(ctx, discord("g1", "333")); err != nil || !ok || got.UPN != "hal@contoso.example" || got.Request != "r1" {
		t.Fatalf("unlink the store's: %+v %v %v", got, ok, err)
	}
	if _, ok, _ := l.Link(ctx, discord("g1", "333")); ok {
		t.Fatal("still linked after unlinking")
	}
	if _, ok, _ := l.LinkedAccount(ctx, "discord", "u-hal", "hal@contoso.example"); ok {
		t.Fatal("the way back is left after unlinking")
	}
	if got, ok, err := l.Unlink(ctx, discord("g1", "222")); err != nil || !ok || got.UPN != "megan@contoso.example" {
		t.Fatalf("unlink a link from before: %+v %v %v", got, ok, err)
	}
	if _, ok, _ := l.Link(ctx, discord("g1", "222")); ok {
		t.Fatal("the link from before holds after unlinking")
	}
	if _, ok, _ := l.LinkedAccount(ctx, "discord", "u-megan", "megan@contoso.example"); ok {
		t.Fatal("the way back from before holds after unlinking")
	}
	if _, ok, err := l.Unlink(ctx, discord("g1", "222")); err != nil || ok {
		t.Fatalf("unlinked twice: %v %v", ok, err)
	}

	cfg.Discord.UserMap = map[string]string{"111": "not an address"}
	if _, err := newLinks(st, cfg); err == nil {
		t.Fatal("a user map entry that isn't a UPN was taken")
	}
}
