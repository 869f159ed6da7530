package action

import (
	"math"
	"testing"

	"github.com/emcdp/emcdp"
)

// TestCheckOptionsHugeValues: values so large that a sum of minutes and
// seconds wraps around past the largest integer are refused, not taken for
// the small value they wrap to.
func TestCheckOptionsHugeValues(t *testing.T) {
	valid := emcdp.CdpScheduleOptions{RPOSeconds: 15, WarnEnabled: true, WarnThresholdSecs: 30, FailEnabled: true,
		FailThresholdSecs: 60, ShortTermRetHours: 4, LongTermRetHours: 4, LongTermRetKeepDays: 7}
	if err := CheckOptions(&valid); err != nil {
		t.Fatalf("valid options refused: %v", err)
	}
	// 307445734561825861 × 60 is 2⁶⁴ + 44: 44 once wrapped.
	const wraps = math.MaxUint64/60 + 1
	for name, edit := range map[string]func(o *emcdp.CdpScheduleOptions){
		"RPO minutes":           func(o *emcdp.CdpScheduleOptions) { o.RPOSeconds, o.RPOMinutes = 0, wraps },
		"warning minutes":       func(o *emcdp.CdpScheduleOptions) { o.WarnThresholdSecs, o.WarnThresholdMins = 0, wraps },
		"short-term hours":      func(o *emcdp.CdpScheduleOptions) { o.ShortTermRetHours = math.MaxUint64/60 + 1 },
		"RPO seconds and hours": func(o *emcdp.CdpScheduleOptions) { o.RPOSeconds, o.RPOMinutes = math.MaxInt, 1 },
	} {
		o := valid
		edit(&o)
		if err := CheckOptions(&o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
