package teams

import (
	"testing"

	"github.com/licensebot/licensebot/internal/translations"
	"github.com/licensebot/licensebot/locale"
)

// Every message this package says is in every file of the catalogue, with the placeholders
// its call gives.
func TestEveryMessageIsInTheCatalogue(t *testing.T) {
	translations.CheckMessages(t, translations.Source{
		Dir:   ".",
		Calls: map[string][]int{"T": {0}},
		Min:   5,
	}, locale.Files())
}
