package discord

import (
	"context"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// Discord shows at most 25 choices, each name and value at most 100 characters
// (https://discord.com/developers/docs/interactions/application-commands#autocomplete).
const (
	maxChoices      = 25
	maxChoiceLength = 100
)

// autocomplete answers the product option of /unassign remove as it is typed (type 4 →
// type 8) from Products, within the ack's budget. Products decides whom the names are for
// (the handlers: people whose account is linked, not anyone who can type in the guild).
// Anything else, and any failure, gets no choices: the user can still type the name.
func (p *Platform) autocomplete(ctx context.Context, i *discordgo.Interaction) *discordgo.InteractionResponse {
	answer := func(choices []*discordgo.ApplicationCommandOptionChoice) *discordgo.InteractionResponse {
		if choices == nil {
			choices = []*discordgo.ApplicationCommandOptionChoice{}
		}
		return &discordgo.InteractionResponse{
			Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: choices},
		}
	}
	inv, err := readInvocation(i.ApplicationCommandData())
	if err != nil || inv.sub != subRemove || inv.focused != optProduct || p.cfg.Products == nil {
		return answer(nil)
	}
	who, ok := personOf(i)
	if !ok {
		return answer(nil)
	}
	ctx, cancel := context.WithTimeout(ctx, ackBudget)
	defer cancel()
	names, err := p.cfg.Products(ctx, actor(i, who))
	if err != nil {
		p.log.WarnContext(ctx, "product names for autocomplete", "err", err)
		return answer(nil)
	}
	var choices []*discordgo.ApplicationCommandOptionChoice
	for _, n := range matchProducts(names, inv.strings[optProduct]) {
		choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: n, Value: n})
	}
	return answer(choices)
}

// matchProducts picks the names that match what was typed, case-insensitively: names that
// start with it first, then names in which every typed word starts a word ("e3 off" finds
// "Office 365 E3"), each group in alphabetical order, at most 25. Names longer than a
// choice may be are left out: their value couldn't be the name.
func matchProducts(names []string, typed string) []string {
	typed = strings.ToLower(strings.TrimSpace(typed))
	words := strings.Fields(typed)
	var prefix, rest []string
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		lower := strings.ToLower(n)
		if n == "" || textLen(n) > maxChoiceLength || seen[lower] {
			continue
		}
		seen[lower] = true
		switch {
		case strings.HasPrefix(lower, typed):
			prefix = append(prefix, n)
		case wordsStart(strings.Fields(lower), words):
			rest = append(rest, n)
		}
	}
	slices.SortFunc(prefix, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	slices.SortFunc(rest, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	out := append(prefix, rest...)
	return out[:min(len(out), maxChoices)]
}

// wordsStart reports whether every typed word starts one of the name's words.
func wordsStart(name, typed []string) bool {
	for _, t := range typed {
		if !slices.ContainsFunc(name, func(w string) bool { return strings.HasPrefix(w, t) }) {
			return false
		}
	}
	return len(typed) > 0
}
