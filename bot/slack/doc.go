// Package slack is licensebot's Slack platform: it receives /unassign and button clicks over
// Socket Mode or over signed HTTP requests, acknowledges each at once (Slack waits 3 seconds),
// turns the Slack user into a bot.Actor (e-mail, locale, user groups), hands the command or
// click to the handler, and delivers the answer in Block Kit through the request's
// response_url or the Web API. It is also the handlers' Notifier: DMs, the approval channel,
// threads and chat.update.
//
// It translates and decides nothing: what a command means and who may do what is the
// handlers' business.
package slack
