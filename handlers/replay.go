package handlers

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"

	"github.com/licensebot/licensebot/bot"
)

// A delivery is worked on again when the replica that took it died before it could say it
// was done: the shared inbound pipeline hands it to another replica (bot.Inbound). Its
// answer may already have gone, and its request been stored. So a request a command makes
// takes its id from the delivery (Command.DeliveryID): the second time, storing it finds
// the first (ErrExists) and the answer is made again from what is stored, rather than a
// second request with a second plan.

// requestID is the id of the request a command makes: derived from the delivery's own id
// when the platform gave one (Slack's trigger, Discord's interaction), else new.
func (s *Service) requestID(cmd bot.Command) (string, error) {
	if cmd.DeliveryID == "" {
		return s.NewID()
	}
	sum := sha256.Sum256([]byte("licensebot request for delivery " + cmd.DeliveryID))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16])), nil
}
