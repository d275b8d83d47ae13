// Package teams is Microsoft Teams' wire format for licensebot, over the Bot Framework:
// activities POSTed to /api/messages, verified by their bearer token (the Bot Framework's
// OpenID keys endorsed for msteams, issuer, audience, expiry, service URL) and by tenant
// before anything in them is read; commands typed to the bot ("unassign …" in a 1:1 chat,
// or after @licensebot in a channel) and presses of Adaptive Cards' Action.Execute
// buttons (Universal Actions), recorded and acknowledged by the shared pipeline
// (bot.Inbound); messages as Adaptive Cards 1.5; and the Bot Connector client that posts,
// replies and updates them with a client-credentials token, within Teams' rate limits.
// Teams vouches for each person's Entra object id (from.aadObjectId), so nobody links an
// account here. It decides nothing: handlers do.
package teams
