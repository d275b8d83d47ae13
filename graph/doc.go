// Package graph is licensebot's adapter to Microsoft Graph, through msgraph-sdk-go: it finds
// users and reads every license they hold (direct and inherited from groups, with the groups'
// names and the service plans), the directory roles a caller holds (also through
// role-assignable groups), managers, the organisation's products with their seats and
// subscriptions, and removes licenses with assignLicense, one user at a time (RemoveLicenses)
// or in Graph $batches of 20 (RemoveLicensesBatch), and gives them back for an undo
// (RestoreLicenses). It works in every national cloud (see Endpoints).
//
// It translates and never decides: Graph's OData errors become *licensing.GraphError values
// carrying the request-id, around the domain reason (licensing.ErrUserNotFound, ErrInherited,
// ErrNotAssigned, ErrUnknownSKU, ErrNoManager, ErrUnavailable, or a *licensing.ThrottledError
// with Graph's Retry-After; for assignments also this package's ErrNoSeats and
// ErrUsageLocation), so handlers decide with errors.Is / errors.As. Each step of a $batch is
// mapped exactly like a single call.
//
// Every answer is checked before it is used, and bounded (issue 12): an HTTP body beyond
// Config.MaxResponseBytes (8 MiB) stops being read (ErrResponseTooLarge); a listing follows
// @odata.nextLink for at most Config.MaxPages pages (50; ErrTooManyPages), only on the
// configured base URL and never to a page already read (ErrBadNextLink); a 2xx answer that
// is not a JSON object (empty, null, HTML, cut short) or lacks what the bot relies on (a page
// without value, a user without id or userPrincipalName, a product without skuId, a $batch
// step without status or user) is an *AnswerError. All of these match ErrUnusableAnswer and
// licensing.ErrUnavailable and come as the Reason of a *licensing.GraphError with the status
// and request-id; nothing is planned on such an answer. Every call's deadline is the earlier
// of the caller's and Config.Timeout.
//
// Retries live in one place, the handlers' job engine: the SDK's own retry middleware is left
// out of the pipeline (see New). Tokens are never logged and only sent to the cloud's Graph
// host or the configured base URL's host.
//
// Only this package imports msgraph-sdk-go. It builds the request adapter itself from the
// users, groups, subscribedskus and directory request builders, rather than the SDK's
// GraphServiceClient, which would pull every Graph API into the binary.
package graph
