package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeInbox is an Inbox that records what the pipeline asks of it.
type fakeInbox struct {
	mu       sync.Mutex
	recorded []Delivery
	done     []string
	extended [][]string
	seen     map[string]bool
	// recordErr fails Record; lost are the ids Extend says are lost; left are deliveries
	// Reclaim hands out, one a call.
	recordErr error
	lost      []string
	left      []Delivery
}

func (f *fakeInbox) Record(_ context.Context, d Delivery, holder string, _ time.Duration) (string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.recordErr != nil {
		return "", false, f.recordErr
	}
	if f.seen == nil {
		f.seen = map[string]bool{}
	}
	if f.seen[d.Key] {
		return "", false, nil
	}
	f.seen[d.Key] = true
	f.recorded = append(f.recorded, d)
	return fmt.Sprintf("%d-0", len(f.recorded)), true, nil
}

func (f *fakeInbox) Reclaim(_ context.Context, platform, holder string, _ time.Duration) (Delivery, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.left) == 0 {
		return Delivery{}, false, nil
	}
	d := f.left[0]
	f.left = f.left[1:]
	return d, true, nil
}

func (f *fakeInbox) Extend(_ context.Context, _, _ string, ids []string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.extended = append(f.extended, slices.Clone(ids))
	var lost []string
	for _, id := range ids {
		if slices.Contains(f.lost, id) {
			lost = append(lost, id)
		}
	}
	return lost, nil
}

func (f *fakeInbox) Done(_ context.Context, _, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.done = append(f.done, id)
	return nil
}

func (f *fakeInbox) Deleted() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.done)
}

// fakeWire reads a delivery whose payload is the person's name; it records every step.
type fakeWire struct {
	mu       sync.Mutex
	steps    []string
	answers  []Reply
	identify error
	early    bool
	locale   string
}

func (w *fakeWire) step(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.steps = append(w.steps, s)
}

func (w *fakeWire) Steps() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.steps)
}

func (w *fakeWire) Answers() []Reply {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.answers)
}

func (w *fakeWire) wire() Wire {
	return Wire{
		Open: func(_ context.Context, d Delivery) (Exchange, error) {
			if string(d.Payload) == "garbled" {
				return nil, errors.New("not readable")
			}
			w.step("open " + d.Key + " reply " + d.Reply.Reveal())
			return &fakeExchange{w: w, who: string(d.Payload)}, nil
		},
		Unidentified: func(lang string) Message { return Message{Text: "who are you? (" + lang + ")"} },
	}
}

type fakeExchange struct {
	w   *fakeWire
	who string
}

func (x *fakeExchange) Locale() string { return x.w.locale }

func (x *fakeExchange) Early(string) (Message, bool) {
	return Message{Text: "not ours"}, x.w.early
}

func (x *fakeExchange) Identify(context.Context) (Actor, error) {
	x.w.step("identify")
	return Actor{Platform: "test", ChatID: x.who, Locale: "tr-TR"}, x.w.identify
}

func (x *fakeExchange) Handle(ctx context.Context, h Handler, who Actor) Reply {
	x.w.step("handle")
	return h.HandleCommand(ctx, Command{Actor: who, Text: "help"})
}

func (x *fakeExchange) Answer(_ context.Context, r Reply, lang string) {
	x.w.step("answer " + lang)
	x.w.mu.Lock()
	defer x.w.mu.Unlock()
	x.w.answers = append(x.w.answers, r)
}

type echo struct{ panics bool }

func (e echo) HandleCommand(_ context.Context, cmd Command) Reply {
	if e.panics {
		panic("boom")
	}
	return Reply{Message: Message{Text: "hello " + cmd.Actor.ChatID}}
}

func (e echo) HandleClick(context.Context, Click) Reply { return Reply{} }

func newTestInbound(t *testing.T, ib Inbox, w *fakeWire) *Inbound {
	t.Helper()
	opts, err := Options{Inbox: ib, Holder: "replica-a", ReclaimAfter: 90 * time.Millisecond}.WithDefaults("test")
	if err != nil {
		t.Fatal(err)
	}
	in := NewInbound("test", opts, w.wire())
	in.SetHandler(echo{})
	t.Cleanup(in.Wait)
	return in
}

func delivery(key, who string) Delivery {
	return Delivery{Kind: "command", Key: key, Payload: []byte(who), Reply: Secret("https://hooks.example/secret")}
}

func TestReceiveRecordsAcksThenWorksAndDeletes(t *testing.T) {
	ib, w := &fakeInbox{}, &fakeWire{}
	in := newTestInbound(t, ib, w)
	var acked []Receipt
	in.Receive(context.Background(), delivery("k1", "alice"), func(r Receipt) (bool, error) {
		acked = append(acked, r)
		// The delivery is in the inbox before the platform hears anything.
		if len(ib.recorded) != 1 || len(w.Steps()) != 0 {
			t.Errorf("acknowledged with %d recorded and steps %v", len(ib.recorded), w.Steps())
		}
		return false, nil
	})
	in.Wait()
	if !slices.Equal(acked, []Receipt{Recorded}) {
		t.Fatalf("acks %v", acked)
	}
	want := []string{"open k1 reply https://hooks.example/secret", "identify", "handle", "answer tr"}
	if got := w.Steps(); !slices.Equal(got, want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
	if got := w.Answers(); len(got) != 1 || got[0].Message.Text != "hello alice" {
		t.Fatalf("answers %+v", got)
	}
	if got := ib.Deleted(); !slices.Equal(got, []string{"1-0"}) {
		t.Fatalf("deleted %v, want the entry once worked on", got)
	}
	if d := ib.recorded[0]; d.Platform != "test" || d.Received.IsZero() || d.Reply.Reveal() == "" {
		t.Fatalf("recorded %+v", d)
	}
}

func TestReceiveEachReceipt(t *testing.T) {
	tests := []struct {
		name      string
		recordErr error
		repeat    bool
		told      bool
		ackErr    error
		want      Receipt
		steps     []string
		answer    string
		done      int
	}{
		{name: "a repeat is acked and nothing follows", repeat: true, want: Repeated},
		{name: "an inbox that fails: the person is told after the ack", recordErr: errors.New("redis down"), want: Unrecorded,
			steps: []string{"open k reply https://hooks.example/secret", "answer en"}, answer: "temporarily unavailable"},
		{name: "an inbox that fails: told in the ack, nothing after", recordErr: errors.New("redis down"), told: true, want: Unrecorded},
		{name: "an ack the platform didn't take: the delivery is dropped", ackErr: errors.New("10062 Unknown interaction"), want: Recorded, done: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ib, w := &fakeInbox{recordErr: tt.recordErr}, &fakeWire{}
			in := newTestInbound(t, ib, w)
			if tt.repeat {
				in.Receive(context.Background(), delivery("k", "alice"), func(Receipt) (bool, error) { return false, nil })
				in.Wait()
				w = &fakeWire{}
				in.wire = w.wire()
				ib.done = nil
			}
			var got Receipt
			in.Receive(context.Background(), delivery("k", "alice"), func(r Receipt) (bool, error) {
				got = r
				return tt.told, tt.ackErr
			})
			in.Wait()
			if got != tt.want {
				t.Fatalf("receipt %v, want %v", got, tt.want)
			}
			if steps := w.Steps(); !slices.Equal(steps, tt.steps) {
				t.Fatalf("steps %q, want %q", steps, tt.steps)
			}
			if tt.answer != "" && (len(w.Answers()) != 1 || !strings.Contains(w.Answers()[0].Message.Text, tt.answer)) {
				t.Fatalf("answers %+v, want %q", w.Answers(), tt.answer)
			}
			if n := len(ib.Deleted()); n != tt.done {
				t.Fatalf("%d deleted, want %d", n, tt.done)
			}
		})
	}
}

func TestTheWorkAnswersWhatGoesWrong(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(in *Inbound, w *fakeWire)
		payload string
		want    string // the answer; "": none
	}{
		{name: "a handler not set yet", setup: func(in *Inbound, _ *fakeWire) { in.SetHandler(nil) }, want: "still starting"},
		{name: "a person the platform can't identify", setup: func(_ *Inbound, w *fakeWire) { w.identify = errors.New("users.info: 500") }, want: "who are you? (en)"},
		{name: "the wire format's own answer", setup: func(_ *Inbound, w *fakeWire) { w.early = true }, want: "not ours"},
		{name: "a handler that panics, in the person's language", setup: func(in *Inbound, _ *fakeWire) { in.SetHandler(echo{panics: true}) }, want: "bir şeyler ters gitti"},
		{name: "a payload that can't be read is dropped", payload: "garbled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ib, w := &fakeInbox{}, &fakeWire{}
			in := newTestInbound(t, ib, w)
			if tt.setup != nil {
				tt.setup(in, w)
			}
			d := delivery("k", "alice")
			if tt.payload != "" {
				d.Payload = []byte(tt.payload)
			}
			in.Receive(context.Background(), d, func(Receipt) (bool, error) { return false, nil })
			in.Wait()
			answers := w.Answers()
			switch {
			case tt.want == "" && len(answers) != 0:
				t.Fatalf("answered %+v", answers)
			case tt.want != "" && (len(answers) != 1 || !strings.Contains(answers[0].Message.Text, tt.want)):
				t.Fatalf("answers %+v, want %q", answers, tt.want)
			}
			if n := len(ib.Deleted()); n != 1 {
				t.Fatalf("%d deleted, want the entry deleted whatever happened", n)
			}
		})
	}
}

// A delivery left by a replica that died is taken over and worked on, with its Reply; one
// taken up too often is dropped.
func TestRunTakesOverWhatAnotherReplicaLeft(t *testing.T) {
	left := delivery("left", "bob")
	left.ID, left.Attempt = "7-0", 2
	poison := delivery("poison", "carol")
	poison.ID, poison.Attempt = "8-0", MaxAttempts+1
	ib, w := &fakeInbox{left: []Delivery{poison, left}}, &fakeWire{}
	in := newTestInbound(t, ib, w)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- in.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(w.Answers()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	in.Wait()
	if got := w.Answers(); len(got) != 1 || got[0].Message.Text != "hello bob" {
		t.Fatalf("answers %+v, want bob's only", got)
	}
	if got := ib.Deleted(); !slices.Equal(got, []string{"8-0", "7-0"}) {
		t.Fatalf("deleted %v, want the poison dropped and the other done", got)
	}
}

// What this process holds is kept alive while it waits and is worked on; a delivery the
// inbox says another replica took over meanwhile is left to it.
func TestHeldDeliveriesAreExtendedAndLostOnesLeft(t *testing.T) {
	ib, w := &fakeInbox{}, &fakeWire{}
	opts, err := Options{Inbox: ib, Holder: "replica-a", ReclaimAfter: 60 * time.Millisecond, MaxConcurrentWork: 1}.WithDefaults("test")
	if err != nil {
		t.Fatal(err)
	}
	in := NewInbound("test", opts, w.wire())
	entered, release := make(chan struct{}, 2), make(chan struct{})
	in.SetHandler(blocking{entered, release})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = in.Run(ctx) }()
	// The first takes the one slot until released; the second waits for it.
	in.Receive(ctx, delivery("first", "alice"), func(Receipt) (bool, error) { return false, nil })
	<-entered
	in.Receive(ctx, delivery("second", "bob"), func(Receipt) (bool, error) { return false, nil })
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		ib.mu.Lock()
		n := len(ib.extended)
		ib.mu.Unlock()
		if n >= 2 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	ib.mu.Lock()
	beats := slices.Clone(ib.extended)
	ib.lost = []string{"2-0"} // the second, taken over by another replica
	ib.mu.Unlock()
	if len(beats) < 2 || !slices.Contains(beats[0], "1-0") || !slices.Contains(beats[0], "2-0") {
		t.Fatalf("heartbeats %v, want both held deliveries extended", beats)
	}
	time.Sleep(100 * time.Millisecond) // a heartbeat learns that 2-0 is lost
	close(release)
	in.Wait()
	if got := w.Answers(); len(got) != 1 {
		t.Fatalf("answers %+v, want the first only", got)
	}
	if got := ib.Deleted(); !slices.Equal(got, []string{"1-0"}) {
		t.Fatalf("deleted %v, want only the first: the other replica deletes the second", got)
	}
}

type blocking struct{ entered, release chan struct{} }

func (b blocking) HandleCommand(_ context.Context, cmd Command) Reply {
	b.entered <- struct{}{}
	<-b.release
	return Reply{Message: Message{Text: "done " + cmd.Actor.ChatID}}
}

func (b blocking) HandleClick(context.Context, Click) Reply { return Reply{} }

// A delivery's credential never prints: not with any verb, not in a log line, not as JSON.
func TestADeliveryNeverShowsItsCredential(t *testing.T) {
	d := delivery("slack:command:T1:1.2", "alice")
	d.Payload = []byte(`{"text":"alice@contoso.com --all"}`)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "delivery", d, "reply", d.Reply)
	js, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, shown := range []string{
		fmt.Sprintf("%v %+v %s %q %#v", d.Reply, d.Reply, d.Reply, d.Reply, d.Reply),
		fmt.Sprint(d.Reply), buf.String(), string(js),
	} {
		if strings.Contains(shown, "hooks.example") {
			t.Fatalf("the credential shows: %s", shown)
		}
	}
	if strings.Contains(buf.String(), "contoso") {
		t.Fatalf("the log shows the payload: %s", buf.String())
	}
	if !strings.Contains(buf.String(), "slack:command:T1:1.2") {
		t.Fatalf("the log doesn't name the delivery: %s", buf.String())
	}
}

func TestMemoryInboxDeduplicates(t *testing.T) {
	ib := NewMemoryInbox(time.Now)
	ctx := context.Background()
	id, first, err := ib.Record(ctx, delivery("k", "a"), "h", time.Hour)
	if err != nil || !first || id == "" {
		t.Fatalf("first record %q %v %v", id, first, err)
	}
	if _, first, _ := ib.Record(ctx, delivery("k", "a"), "h", time.Hour); first {
		t.Fatal("a repeat recorded again")
	}
	if _, ok, _ := ib.Reclaim(ctx, "test", "h", time.Millisecond); ok {
		t.Fatal("a memory inbox has nothing to take over")
	}
}
