package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/licensebot/licensebot/bot"
	"github.com/licensebot/licensebot/licensing"
	"github.com/licensebot/licensebot/locale"
)

// undo prepares giving back what request id removed, exactly as it was assigned (with the
// same disabled plans), and asks the caller to confirm. Only the users and products of that
// request are touched.
func (s *Service) undo(ctx context.Context, cmd bot.Command, caller Person, id string) (bot.Message, error) {
	if err := s.authorize(ctx, caller); err != nil {
		return bot.Message{}, err
	}
	if s.Restorer == nil {
		return bot.Message{}, refuse(undoUnavailable{})
	}
	orig, _, err := s.load(ctx, id)
	if gone(err) {
		return bot.Message{}, refuse(undoGone{id: id, keptDays: s.keptDays()})
	}
	if err != nil {
		return bot.Message{}, err
	}
	if err := bound(orig, caller.Actor); err != nil {
		return bot.Message{}, err
	}
	now := s.Now()
	switch {
	case orig.Kind == KindUndo:
		return bot.Message{}, refuse(undoOfUndo{id: id})
	case orig.Kind == KindLink:
		return bot.Message{}, refuse(notARemoval{id: id})
	case !orig.State.Final():
		return bot.Message{}, refuse(undoUnfinished{id: id})
	case orig.UndoneBy != "":
		return bot.Message{}, refuse(alreadyUndone{id: id, by: orig.UndoneBy})
	case countOutcome(orig.Results, OutcomeRemoved) == 0:
		return bot.Message{}, refuse(nothingRemoved{id: id})
	case now.After(orig.FinishedAt.Add(s.opts.UndoWindow)):
		return bot.Message{}, refuse(undoTooLate{id: id, removedOn: orig.FinishedAt, loc: s.opts.Location,
			windowDays: int(s.opts.UndoWindow.Hours() / 24)})
	}
	snaps, err := s.Ledger.Snapshots(ctx, id)
	if err != nil {
		return bot.Message{}, fmt.Errorf("read the snapshots of request %s: %w", id, errStore{err})
	}
	u := &Request{Kind: KindUndo, UndoOf: id, Requester: caller, Command: cmd.Text, Policy: s.opts.UndoPolicy,
		Restores: restoresFor(orig, snaps)}
	if orig.Kind == KindLeaver {
		// The leaver's sign-in comes back with the licenses.
		for _, res := range orig.Results {
			if res.Outcome == OutcomeBlocked {
				u.EnableSignIn = append(u.EnableSignIn, res.UserID)
			}
		}
	}
	if u.Policy == PolicyManager {
		var users []licensing.User
		for _, ur := range u.Restores {
			if len(ur.Products) > 0 {
				users = append(users, licensing.User{ID: ur.UserID, UserPrincipalName: ur.UPN})
			}
		}
		if u.Managers, err = s.managersOf(ctx, users, caller); err != nil {
			return bot.Message{}, err
		}
	}
	if u.ID, err = s.requestID(cmd); err != nil {
		return bot.Message{}, fmt.Errorf("new request id: %w", err)
	}
	ctx = withRequest(ctx, u.ID)
	if restoreCount(u) == 0 {
		return bot.Message{}, refuse(noSnapshots{id: id})
	}
	products, perr := s.Directory.Products(ctx)
	if perr != nil {
		return bot.Message{}, fmt.Errorf("read the organisation's products: %w", perr)
	}
	if _, err := s.transition(ctx, u, Stored{}, move{on: evRequest, to: StateAwaitingConfirmation, by: caller, at: now,
		audit: map[string]string{"undo_of": id, "command": cmd.Text, "restores": fmt.Sprint(restoreCount(u))}}); errors.Is(err, ErrExists) {
		// This delivery was worked on before (requestID): answer with its undo again.
		stored, _, err := s.load(ctx, u.ID)
		if err != nil {
			return bot.Message{}, err
		}
		if stored.State != StateAwaitingConfirmation {
			return stateMessage(langIn(ctx), stored, s.opts.Location), nil
		}
		u = stored
	} else if err != nil {
		return bot.Message{}, err
	}
	s.schedule(ctx, u)
	return undoPlanMessage(langIn(ctx), u, orig, seatWarnings(langIn(ctx), u, products, s.Catalogue), s.opts), nil
}

// restoresFor is, per user, what the request removed, as the snapshot taken before says it
// was assigned.
func restoresFor(orig *Request, snaps map[string][]byte) []UserRestore {
	names := map[string]licensing.UserPlan{}
	for _, up := range orig.Plan.Users {
		names[up.User.ID] = up
	}
	var out []UserRestore
	index := map[string]int{}
	for _, res := range orig.Results {
		if res.Outcome != OutcomeRemoved {
			continue
		}
		i, ok := index[res.UserID]
		if !ok {
			up := names[res.UserID]
			out = append(out, UserRestore{UserID: res.UserID, UPN: res.UPN, DisplayName: up.User.DisplayName})
			i = len(out) - 1
			index[res.UserID] = i
		}
		var before []Restore
		if raw, ok := snaps[res.UserID]; ok {
			_ = json.Unmarshal(raw, &before)
		}
		found := false
		for _, b := range before {
			if b.SKUID == res.SKUID {
				out[i].Products = append(out[i].Products, Product{Restore: b, Name: res.Product})
				found = true
				break
			}
		}
		if !found {
			out[i].Missing = append(out[i].Missing, res.Product)
		}
	}
	return out
}

func restoreCount(r *Request) int {
	n := 0
	for _, ur := range r.Restores {
		n += len(ur.Products)
	}
	return n
}

// seatWarnings say which products don't have the free seats the undo needs.
func seatWarnings(l locale.Lang, u *Request, products []licensing.TenantProduct, cat *licensing.Catalogue) []string {
	need := map[string]int{}
	for _, ur := range u.Restores {
		for _, p := range ur.Products {
			need[p.SKUID]++
		}
	}
	var out []string
	for _, p := range products {
		n := need[p.SKUID]
		if n == 0 {
			continue
		}
		free := p.Purchased - p.Assigned
		if free < n {
			out = append(out, l.T("undo.seats.short", "Product", cat.DisplayName(p.SKUID, p.PartNumber),
				"Free", l.T("count.seats", "Count", max(free, 0)), "Needed", n, "Users", l.T("count.users", "Count", n-max(free, 0))))
		}
		delete(need, p.SKUID)
	}
	for sku := range need {
		out = append(out, l.T("undo.seats.product_gone", "Product", cat.DisplayName(sku, "")))
	}
	return out
}

// claimUndo marks the original request as being undone by r, so that there is one undo; it
// refuses (and cancels r) when another undo got there first.
func (s *Service) claimUndo(ctx context.Context, r *Request, st Stored) error {
	for range 10 {
		orig, ost, err := s.load(ctx, r.UndoOf)
		if err != nil {
			return err
		}
		if orig.UndoneBy != "" && orig.UndoneBy != r.ID {
			// Another undo got there first: this one is cancelled, and says why.
			_, _ = s.transition(ctx, r, st, move{on: evCancel, to: StateCancelled, audit: map[string]string{"undone_by": orig.UndoneBy}})
			return refuse(undoneMeanwhile{id: orig.ID, by: orig.UndoneBy})
		}
		if orig.UndoneBy == r.ID {
			return nil
		}
		orig.UndoneBy = r.ID
		if _, err := s.save(ctx, orig, ost); errors.Is(err, ErrConflict) {
			continue
		} else if err != nil {
			return err
		}
		return nil
	}
	return fmt.Errorf("mark request %s as undone by %s: %w", r.UndoOf, r.ID, ErrConflict)
}
