package handlers

import (
	"context"
	"sync"
	"time"
)

// memoryLedger is the Ledger of a single process (no Jobs): unit tests only. Its
// in-flight marks never go stale, since nobody else could take them over.
type memoryLedger struct {
	now       func() time.Time
	mu        sync.Mutex
	results   map[string]map[string][]byte
	marks     map[string]map[string]string
	snapshots map[string]map[string][]byte
}

func newMemoryLedger(now func() time.Time) *memoryLedger {
	return &memoryLedger{now: now, results: map[string]map[string][]byte{}, marks: map[string]map[string]string{}, snapshots: map[string]map[string][]byte{}}
}

func (m *memoryLedger) Results(_ context.Context, id string) (map[string][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][]byte{}
	for k, v := range m.results[id] {
		out[k] = v
	}
	return out, nil
}

func (m *memoryLedger) Record(_ context.Context, id, key string, result []byte) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.results[id] == nil {
		m.results[id] = map[string][]byte{}
	}
	if _, ok := m.results[id][key]; ok {
		return false, nil
	}
	m.results[id][key] = result
	return true, nil
}

func (m *memoryLedger) Claim(_ context.Context, id, key, worker string, _ time.Duration) (Claim, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.results[id][key]; ok {
		return Claim{Done: true, Result: r}, nil
	}
	if m.marks[id] == nil {
		m.marks[id] = map[string]string{}
	}
	if holder, ok := m.marks[id][key]; ok && holder != worker {
		return Claim{}, nil
	}
	m.marks[id][key] = worker
	return Claim{Claimed: true, SendBy: m.now().Add(time.Hour)}, nil
}

func (m *memoryLedger) Release(_ context.Context, id, key, worker string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.marks[id][key] != worker {
		return false, nil
	}
	delete(m.marks[id], key)
	return true, nil
}

func (m *memoryLedger) PutSnapshot(_ context.Context, id, userID string, data []byte, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.snapshots[id] == nil {
		m.snapshots[id] = map[string][]byte{}
	}
	if _, ok := m.snapshots[id][userID]; !ok {
		m.snapshots[id][userID] = data
	}
	return nil
}

func (m *memoryLedger) Snapshots(_ context.Context, id string) (map[string][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][]byte{}
	for k, v := range m.snapshots[id] {
		out[k] = v
	}
	return out, nil
}
