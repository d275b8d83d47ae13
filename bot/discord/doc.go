// Package discord is licensebot's Discord platform: it registers /unassign as an application
// command, receives its interactions over the gateway (a bot WebSocket) or over the signed
// HTTP interactions endpoint, acknowledges each at once (Discord waits 3 seconds), turns the
// Discord user into a bot.Actor (their account, without an e-mail address: a bot can't see
// one; the handlers know the account through its link), hands the command or click to the
// handler, and delivers the answer as content, embeds and buttons through the interaction
// token. It is also the handlers' Notifier: DMs, the approval channel (mentioning the
// approver roles), replies, and edits of its own messages.
//
// It translates and decides nothing.
package discord
