package handlers

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licensebot/licensebot/bot"
)

var (
	adeleOnDiscord = onDiscord("d-adele", "adele_v")
	danOnDiscord   = onDiscord("d-dan", "dan_j")
	carolOnDiscord = onDiscord("d-carol", "carol_d")
	fixedOnDiscord = onDiscord("d-fixed", "fixed_f")
	newOnDiscord   = onDiscord("d-new", "new_n")
)

// linkedWorld is a linkWorld where Adele (License Administrator), Dan and Carol (no admin
// role) are linked on Discord, and d-fixed is mapped by configuration.
func linkedWorld(t *testing.T) *linkWorld {
	w := newLinkWorld(t, Options{})
	at := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	for _, l := range []struct {
		a       bot.Actor
		id, upn string
	}{{adeleOnDiscord, "u-adele", "adele@contoso.example"}, {danOnDiscord, "u-dan", "dan@contoso.example"}, {carolOnDiscord, "u-carol", "carol@contoso.example"}} {
		w.links.links[accountOf(l.a)] = Link{Account: accountOf(l.a), UserID: l.id, UPN: l.upn, By: "nestor@contoso.example", Request: "req-" + l.id, At: at}
	}
	w.links.static["discord:d-fixed"] = "megan@contoso.example"
	return w
}

func TestLinkStatusAndUnlink(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		who  bot.Actor
		text string
		want []string
		// linked: the accounts still linked afterwards (of Dan and d-fixed).
		danLinked bool
		audited   bool
	}{
		{"own link", danOnDiscord, "link status", []string{"Your chat account is linked to dan@contoso.example; nestor@contoso.example approved it on", "/unassign unlink", "Link request req-u-dan"}, true, false},
		{"no link", newOnDiscord, "link status", []string{"isn't linked to a work account", "/unassign link <your work address>"}, true, false},
		{"own link from configuration", fixedOnDiscord, "link status", []string{"mapped to megan@contoso.example", "DISCORD_USER_MAP"}, true, false},
		{"an administrator for someone else", adeleOnDiscord, "link status <@d-dan>", []string{"The chat account discord d-dan (g1) is linked to dan@contoso.example; nestor@contoso.example approved it"}, true, false},
		{"an administrator by address", adeleOnDiscord, "link status dan@contoso.example", []string{"The chat account discord d-dan (g1) is linked to dan@contoso.example"}, true, false},
		{"an administrator for someone unlinked", adeleOnDiscord, "link status <@!d-new>", []string{"The chat account discord d-new (g1) isn't linked", "/unassign link <their work address>"}, true, false},
		{"an administrator for someone linked by configuration", adeleOnDiscord, "link status <@d-fixed>", []string{"discord d-fixed (g1) is mapped to megan@contoso.example", "DISCORD_USER_MAP"}, true, false},
		{"an administrator for an address nobody here is linked to", adeleOnDiscord, "link status alice@contoso.example", []string{"No chat account here is linked to alice@contoso.example"}, true, false},
		{"an administrator for an unknown address", adeleOnDiscord, "link status ghost@contoso.example", []string{"No Microsoft Entra user has the address ghost@contoso.example"}, true, false},
		{"not an administrator, for someone else", carolOnDiscord, "link status <@d-dan>", []string{"You (carol@contoso.example) can see and remove only your own link", "License Administrator", "leave the person out"}, true, false},
		{"unknown, for someone else", newOnDiscord, "link status <@d-dan>", []string{"/unassign link <your work address>"}, true, false},
		{"too many people", adeleOnDiscord, "link status <@d-dan> <@d-carol>", []string{"link status: give nobody (your own link) or one person"}, true, false},
		{"own unlink", danOnDiscord, "unlink", []string{"Your chat account is no longer linked to dan@contoso.example", "/unassign link <your work address>"}, false, true},
		{"unlink without a link", newOnDiscord, "unlink", []string{"isn't linked to a work account, so there was nothing to remove"}, true, false},
		{"unlink from configuration", fixedOnDiscord, "unlink", []string{"mapped to megan@contoso.example by licensebot's configuration (DISCORD_USER_MAP)", "can't be removed here", "take it out of DISCORD_USER_MAP"}, true, false},
		{"an administrator unlinks someone else", adeleOnDiscord, "unlink <@d-dan>", []string{"The chat account discord d-dan (g1) is no longer linked to dan@contoso.example"}, false, true},
		{"an administrator can't unlink configuration", adeleOnDiscord, "unlink <@d-fixed>", []string{"discord d-fixed (g1) is mapped to megan@contoso.example", "can't be removed here"}, true, false},
		{"not an administrator unlinks someone else", carolOnDiscord, "unlink <@d-dan>", []string{"can see and remove only your own link"}, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := linkedWorld(t)
			mustContain(t, w.commandAs(tt.who, tt.text), tt.want...)
			if _, ok := w.links.get(accountOf(danOnDiscord)); ok != tt.danLinked {
				t.Errorf("Dan linked: %v, want %v", ok, tt.danLinked)
			}
			if l, ok, _ := w.links.Link(context.Background(), accountOf(fixedOnDiscord)); !ok || !l.Fixed {
				t.Errorf("the link from configuration: %+v %v", l, ok)
			}
			if got := len(w.auditOf("unlinked")) == 1; got != tt.audited || len(w.audit.actions()) > 1 {
				t.Errorf("audit %v", w.audit.actions())
			}
			// Dan is told when an administrator removed his link, and only then.
			told := w.toActor(danOnDiscord)
			if removedByAdmin := tt.audited && tt.who.ChatID != danOnDiscord.ChatID; removedByAdmin {
				if len(told) != 1 || !strings.Contains(told[0].Text, "removed the link between your chat account and dan@contoso.example") {
					t.Errorf("Dan was told %+v", told)
				}
			} else if len(told) != 0 {
				t.Errorf("Dan was told %+v, want nothing", told)
			}
		})
	}
}

func TestUnlinkIsAuditedAndStatusSaysUnlinked(t *testing.T) {
	t.Parallel()
	w := linkedWorld(t)
	mustContain(t, w.commandAs(danOnDiscord, "unlink"), "no longer linked to dan@contoso.example")
	mustContain(t, w.commandAs(danOnDiscord, "link status"), "Your chat account isn't linked to a work account")
	// Unlinked, Dan is no one licensebot knows.
	mustContain(t, w.commandAs(danOnDiscord, "show alice@contoso.example"), "/unassign link <your work address>")

	mustContain(t, w.commandAs(adeleOnDiscord, "unlink <@d-carol|carol>"), "discord d-carol (g1) is no longer linked to carol@contoso.example")
	mustContain(t, w.commandAs(adeleOnDiscord, "link status <@d-carol>"), "discord d-carol (g1) isn't linked")

	if a := w.audit.actions(); !slices.Equal(a, []string{"unlinked", "unlinked"}) {
		t.Fatalf("audit %v", a)
	}
	own, other := w.auditOf("unlinked")[0], w.auditOf("unlinked")[1]
	if own.Actor != "dan@contoso.example" || own.Fields["account"] != "discord:g1:d-dan" || own.Fields["user"] != "dan@contoso.example" ||
		own.Fields["user_id"] != "u-dan" || own.Fields["approved_by"] != "nestor@contoso.example" || own.Fields["link_request"] != "req-u-dan" ||
		own.Fields["actor_chat"] != "discord:g1:d-dan" || own.Fields["command"] != "unlink" {
		t.Fatalf("own unlink %+v", own)
	}
	if other.Actor != "adele@contoso.example" || other.Fields["actor_id"] != "u-adele" || other.Fields["account"] != "discord:g1:d-carol" ||
		other.Fields["user"] != "carol@contoso.example" {
		t.Fatalf("unlink by an administrator %+v", other)
	}
}

func TestLinkStatusAndUnlinkParse(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		text  string
		args  *bot.Args
		verb  Verb
		whose string
		bad   bool
	}{
		{text: "link status", verb: VerbLinkStatus},
		{text: "LINK Status <@U024BE7LH>", verb: VerbLinkStatus, whose: "<@U024BE7LH>"},
		{text: "link status alice@contoso.example", verb: VerbLinkStatus, whose: "alice@contoso.example"},
		{text: "link status a b", bad: true},
		{text: "link status --all", bad: true},
		{text: "link status not-an-address", bad: true},
		{text: "unlink", verb: VerbUnlink},
		{text: "unlink @bob", verb: VerbUnlink, whose: "@bob"},
		{text: "unlink 7f8e9d1c-2b3a-4c5d-8e6f-0a1b2c3d4e5f", bad: true},
		{text: `link "status"`, bad: true},
		{args: &bot.Args{Verb: "link", Users: []string{"status"}}, verb: VerbLinkStatus},
		{args: &bot.Args{Verb: "link", Users: []string{"status <@80351110224678912>"}}, verb: VerbLinkStatus, whose: "<@80351110224678912>"},
		{args: &bot.Args{Verb: "link_status"}, verb: VerbLinkStatus},
		{args: &bot.Args{Verb: "link_status", Users: []string{"<@80351110224678912>"}}, verb: VerbLinkStatus, whose: "<@80351110224678912>"},
		{args: &bot.Args{Verb: "unlink"}, verb: VerbUnlink},
		{args: &bot.Args{Verb: "unlink", Users: []string{"<@80351110224678912>"}}, verb: VerbUnlink, whose: "<@80351110224678912>"},
	} {
		var c Command
		var err error
		if tt.args != nil {
			c, err = FromArgs(*tt.args, 0)
		} else {
			c, err = Parse(tt.text, 0)
		}
		if tt.bad {
			if err == nil || (strings.HasPrefix(tt.text, "link status") && c.Verb == VerbLinkStatus) {
				t.Errorf("%q %+v: %+v, %v; want an error", tt.text, tt.args, c, err)
			}
			continue
		}
		if err != nil || c.Verb != tt.verb || c.Whose != tt.whose {
			t.Errorf("%q %+v: %+v, %v", tt.text, tt.args, c, err)
		}
	}
	if !IsQuickCommand("link status") || IsQuickCommand("unlink") {
		t.Error("link status is quick, unlink is not")
	}
}

func TestLinkStatusAndUnlinkInTurkish(t *testing.T) {
	t.Parallel()
	w := linkedWorld(t)
	dan := danOnDiscord
	dan.Locale = "tr"
	mustContain(t, w.commandAs(dan, "link status"), "Sohbet hesabınız dan@contoso.example hesabına bağlı; nestor@contoso.example bunu")
	mustContain(t, w.commandAs(dan, "unlink"), "Sohbet hesabınız artık dan@contoso.example hesabına bağlı değil")
	mustContain(t, w.commandAs(dan, "link status"), "Sohbet hesabınız bir iş hesabına bağlı değil")
	fixed := fixedOnDiscord
	fixed.Locale = "tr"
	mustContain(t, w.commandAs(fixed, "unlink"), "DISCORD_USER_MAP'ten çıkarmasını isteyin")
}
