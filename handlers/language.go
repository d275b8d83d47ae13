package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// lang is the language a message is written in: each person's own (their chat locale),
// else Options.Language. English sentences are the keys: every one the bot says goes
// through lang.T, lang.plural or say, and turkish.go has each of them in Turkish
// (language_test.go reads this package's source and checks that none is missing and that
// the placeholders match). Product names, ids and people's names stay as they are.
type lang string

// The languages.
const (
	english lang = bot.English
	turkish lang = bot.Turkish
)

// langOf picks the language for a chat locale ("tr-TR", "tr", "en-US"), else fallback: the
// same choice the chat adapters make (bot.LanguageOf).
func langOf(locale string, fallback lang) lang {
	return lang(bot.LanguageOf(locale, string(fallback)))
}

// T writes format in the language, with args as fmt.Sprintf would.
func (l lang) T(format string, args ...any) string {
	if l == turkish {
		if tr, ok := turkishText[format]; ok {
			format = tr
		}
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// plural says a count with its noun: "1 license", "3 licenses"; Turkish nouns stay singular
// after a number ("3 lisans"). Counts of 1,000 and more get the language's separator.
func (l lang) plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + l.T(one)
	}
	return l.number(n) + " " + l.T(many)
}

// number writes n with thousands separators: 1,000 in English, 1.000 in Turkish.
func (l lang) number(n int) string {
	s := strconv.Itoa(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	sep := ","
	if l == turkish {
		sep = "."
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// joinAnd lists items: "a, b and c" / "a, b ve c".
func (l lang) joinAnd(items []string) string { return joinWith(items, l.T(" and ")) }

// joinOr lists alternatives: "a, b or c" / "a, b veya c".
func joinOr(l lang, items []string) string { return joinWith(items, l.T(" or ")) }

// joinWith lists items with commas, and last before the last one.
func joinWith(items []string, last string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + last + items[len(items)-1]
}

var (
	turkishDays   = [...]string{"Paz", "Pzt", "Sal", "Çar", "Per", "Cum", "Cmt"}
	turkishMonths = [...]string{"Oca", "Şub", "Mar", "Nis", "May", "Haz", "Tem", "Ağu", "Eyl", "Eki", "Kas", "Ara"}
)

// date is a day: "Tue 29 Dec 2026", "Sal 29 Ara 2026".
func (l lang) date(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if l == turkish {
		return fmt.Sprintf("%s %d %s %d", turkishDays[t.Weekday()], t.Day(), turkishMonths[t.Month()-1], t.Year())
	}
	return t.Format("Mon 2 Jan 2006")
}

// time is a moment with its zone: "Sun 29 Nov 2026 12:30 +03".
func (l lang) time(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return l.date(t, loc) + " " + t.Format("15:04 MST")
}

// duration says a wait the way people do: "15 minutes", "3 days".
func (l lang) duration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return l.plural(int(d/(24*time.Hour)), "day", "days")
	case d >= time.Hour && d%time.Hour == 0:
		return l.plural(int(d/time.Hour), "hour", "hours")
	case d >= time.Minute:
		return l.plural(int(d.Round(time.Minute)/time.Minute), "minute", "minutes")
	}
	return l.plural(int(d.Round(time.Second)/time.Second), "second", "seconds")
}

type langKey struct{}

// withLang is the context of one person's command or click: what is said back is in their
// language.
func withLang(ctx context.Context, l lang) context.Context {
	return context.WithValue(ctx, langKey{}, l)
}

// langIn is the language of ctx's person, English when none was set.
func langIn(ctx context.Context) lang {
	if l, ok := ctx.Value(langKey{}).(lang); ok {
		return l
	}
	return english
}

// say is T in the language of ctx's person.
func say(ctx context.Context, format string, args ...any) string {
	return langIn(ctx).T(format, args...)
}

// langFor is the language of a person the bot writes to; shared messages (the approval
// channel) use the configured default.
func (s *Service) langFor(locale string) lang { return langOf(locale, s.shared()) }

// shared is the language of messages many read (the approval channel): the configured one.
func (s *Service) shared() lang { return langOf(s.opts.Language, english) }
