package throughput

import (
	"strings"
	"testing"
	"time"
)

// TestShortRun drives both servers briefly at two levels and checks that
// every measurement has accepted deliveries, none refused, and that the
// table has a row per level. It asserts nothing about speed.
func TestShortRun(t *testing.T) {
	cfg := Config{Root: "../../..", Clients: []int{1, 4}, Duration: 200 * time.Millisecond, Warmup: 50 * time.Millisecond, Rounds: 2}
	cells, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 2*2*2 {
		t.Fatalf("%d measurements, want 8", len(cells))
	}
	for _, c := range cells {
		if c.OK == 0 || c.Other != 0 {
			t.Errorf("%s at %d clients: %d accepted, %d other answers", c.Server, c.Clients, c.OK, c.Other)
		}
	}
	var out strings.Builder
	Print(&out, cfg, cells)
	t.Log("\n" + out.String())
	if got := strings.Count(out.String(), "\n"); got != 2+len(cfg.Clients) {
		t.Errorf("table has %d lines, want %d:\n%s", got, 2+len(cfg.Clients), out.String())
	}
}

func TestTemplatesMakeDistinctDeliveries(t *testing.T) {
	tmpl, err := loadTemplates("../../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tmpl {
		a, b := string(tt.body(nil, 1)), string(tt.body(nil, 2))
		if a == b || strings.Contains(a, sampleEventID) {
			t.Errorf("%s: deliveries 1 and 2 are not distinct or keep the sample's id", tt.name)
		}
	}
}
