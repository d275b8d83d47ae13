// Package graphtest is a simulated Microsoft 365 tenant: an HTTP server that answers the
// Microsoft Graph v1.0 endpoints licensebot uses, with the shapes, status codes and error
// bodies Microsoft documents, from a fixture organisation (see Tenant and SampleTenant).
//
// It exists so that the real msgraph-sdk-go client (package graph) can be exercised end to
// end in tests and in `licensebot demo` without an Azure account. It imports only the
// standard library: it speaks the wire format, never the SDK's types.
//
// Endpoints (all under the service root "/v1.0"):
//
//	GET  /users?$filter=mail eq '…' or userPrincipalName eq '…'
//	GET  /users/{id | userPrincipalName}                       ($select honoured)
//	GET  /users/{id}/licenseDetails
//	GET  /users/{id}/transitiveMemberOf/microsoft.graph.directoryRole   (and …/graph.directoryRole)
//	GET  /users/{id}/manager
//	POST /users/{id}/assignLicense                             (and …/microsoft.graph.assignLicense)
//	GET  /groups/{id}
//	GET  /subscribedSkus
//	GET  /directory/subscriptions
//	POST /$batch                                               (at most 20 requests)
//
// Faults are injected with options: WithLatency, WithThrottle (429 + Retry-After on writes,
// also per sub-request inside a $batch, each counting as one request as Graph counts them),
// WithDocumentedThrottle (the documented identity and access write quotas, Retry-After 10 s),
// WithFailureRate (503/500, per request and per sub-request), WithBatchFailureRate (a whole
// $batch fails with 503) and WithToken (401 without the expected bearer token).
// WithDocumentedWorstCase answers as Microsoft documents the worst case for an app-only token:
// licenseDetails is 403 and every ordinary subscription shows ownerType "User". Tests read what
// changed with Removals and Restores (per user and product), Calls, LicenseDetailsCalls and
// LastBody. Request bodies compressed with gzip (as the SDK sends them) are decompressed. A
// Server is safe for concurrent use.
//
// Misbehaving answers are injected per route, from the start with WithAnswerFault or on a
// running Server with SetAnswerFault / ClearAnswerFaults (safe for concurrent use): the
// request is carried out as usual (a removal does remove), then a 200 that a client cannot use
// replaces its answer. AnswerEmpty (no body), AnswerNull (null), AnswerHTML (an HTML page,
// Content-Type text/html), AnswerTruncated (the first half of the JSON), AnswerHuge
// (HugeAnswerBytes, 25 MiB, streamed without Content-Length, stopping when the client stops
// reading), AnswerEndlessPages (an @odata.nextLink to a new page every time), AnswerPagesLoop
// (a nextLink to the request itself), AnswerNextLinkElsewhere (a nextLink on
// NextLinkElsewhereHost), AnswerEmptyObject ({}), AnswerBlankItems (every object in an array
// keeps only its id) and AnswerNullItems (every object in an array is null); AnswerFaults
// lists them. Routes use the routes table's syntax, a method and the path after the service
// root with "*" for a segment and "a|b" for either name: "GET users" (the $filter search),
// "GET users/*", "GET users/*/manager", "GET users/*/transitiveMemberOf/*", "GET groups/*",
// "GET subscribedSkus", "GET directory/subscriptions", "POST users/*/assignLicense",
// "POST $batch". A fault on "POST $batch" spoils the whole batch answer (AnswerBlankItems:
// responses without status or body; AnswerNullItems: null responses); a fault on a
// sub-request's route spoils that step inside a 200 batch (status 200 with no body, a null,
// HTML or cut-short string body, or {}; AnswerBlankItems and AnswerNullItems spoil the arrays
// in its body; AnswerHuge and the paging faults leave it as it was).
//
// Every date the Server serves comes from its clock (WithClock, default time.Now): error
// dates, lastUpdatedDateTime, and subscription dates a fixture gives relative to it
// (createdDaysAgo, nextLifecycleInDays; resolved by NewServer). A fixture marks a self-service
// purchase with the fixture-only selfServicePurchase, which assignLicense refuses to remove
// (see Subscription); the sample's Power Automate for Lee is one.
//
// Sources for every shape and message are listed in ../testdata/README.md.
package graphtest
