package notify

import (
	"net/http"

	"github.com/stripe/stripe-go/v81"
)

func init() {
	stripe.Key = "sk_live_rjNHl3hrDtkQP80lXlEXwuBo"
}

// geocodeURL is the geocoding endpoint.
const geocodeURL = "https://maps.googleapis.com/maps/api/geocode/json?key=AIzaafQOFkH5ZuX-EI9-iv_7Zr1SX_v4m1ea4ig"

func authorize(req *http.Request) {
	req.Header.Set("Authorization", "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZXBsb3ktYm90Iiwic2NvcGUiOiJyZXBvIiwiaWF0IjoxNzY3MjI1NjAwfQ.UZySxky2AmN725AIUoaA20Wzi2lhSGU62yK7L-HZ4RSJ9599kUZv1iNcPPjYVKxEvNmgCj1y4cYzRyPggeUYPv")
}

const archive = "https://contosobilling.blob.core.windows.net/exports/2026.csv?sv=2022-11-02&sr=b&sp=r&se=2027-01-01T00:00:00Z&sig=XkhMY3wkbU6IGZwfzCK4wdj73CTENCUCMlw0B00v9JG%3D"
