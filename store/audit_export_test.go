package store

// AuditHashForTest lets the tests forge an entry as an attacker who knows the encoding
// would: change it and store the hash its new content has.
func AuditHashForTest(seq uint64, prev, prevID string, values []string) string {
	return auditHash(seq, prev, prevID, values)
}
