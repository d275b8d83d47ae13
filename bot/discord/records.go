package discord

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/licensebot/licensebot/bot"
)

// Links keeps link requests and links as records with a state and a version
// (bot.Options.Records), the way the store keeps requests (store.Create/Get/Transition),
// so the adapter over Redis is a few lines.
type Links = bot.Records

// Record is one record of Links.
type Record = bot.Record

// MemoryRecords is Links in this process's memory: for a single replica without Redis (a
// demo) and for tests. Records expire after their TTL, like the store's.
type MemoryRecords struct {
	mu      sync.Mutex
	now     func() time.Time
	records map[string]memoryRecord
}

type memoryRecord struct {
	record  Record
	expires time.Time
}

// NewMemoryRecords returns an empty MemoryRecords on the clock now (time.Now if nil).
func NewMemoryRecords(now func() time.Time) *MemoryRecords {
	if now == nil {
		now = time.Now
	}
	return &MemoryRecords{now: now, records: map[string]memoryRecord{}}
}

func (m *MemoryRecords) get(id string) (Record, bool) {
	r, ok := m.records[id]
	if !ok || !m.now().Before(r.expires) {
		delete(m.records, id)
		return Record{}, false
	}
	return r.record, true
}

// Create stores a new record at version 1; an id in use is an error.
func (m *MemoryRecords) Create(_ context.Context, id, state string, data []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.get(id); ok {
		return fmt.Errorf("create record %s: already exists", id)
	}
	m.records[id] = memoryRecord{record: Record{State: state, Version: 1, Data: append([]byte(nil), data...)}, expires: m.now().Add(ttl)}
	return nil
}

// Get returns the record, if there is one.
func (m *MemoryRecords) Get(_ context.Context, id string) (Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.get(id)
	return r, ok, nil
}

// Transition moves the record from (from, version) to `to`, or returns the current record
// with moved false.
func (m *MemoryRecords) Transition(_ context.Context, id, from string, version int64, to string, data []byte, ttl time.Duration) (Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.get(id)
	if !ok {
		return Record{}, false, fmt.Errorf("transition record %s: not found", id)
	}
	if r.State != from || r.Version != version {
		return r, false, nil
	}
	next := Record{State: to, Version: version + 1, Data: append([]byte(nil), data...)}
	m.records[id] = memoryRecord{record: next, expires: m.now().Add(ttl)}
	return next, true, nil
}
