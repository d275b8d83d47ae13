// Package licensing is licensebot's domain: which Microsoft 365 products exist and what
// they carry (mailbox, OneDrive, Office apps), which of a user's licenses a request may
// remove and why others must be left alone, what the removal does to the user's data and
// when, and how many paid seats it leaves unused.
//
// It does no I/O: adapters (graph, store, the chat platforms) translate to and from these
// types, and handlers decide with them.
package licensing
