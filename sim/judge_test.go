package sim

import (
	"math"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// TestVerdictHugeThreshold: a failure threshold that a write set very high
// (integers are all a PUT checks) is a threshold no lag reaches; it neither
// wraps around to a small number of periods nor overflows the lag it
// stands for.
func TestVerdictHugeThreshold(t *testing.T) {
	for name, o := range map[string]emcdp.CdpScheduleOptions{
		"minutes that wrap around": {FailThresholdMins: math.MaxUint64/60 + 1}, // ×60 = 2⁶⁴ + 44
		"periods past any lag":     {FailThresholdSecs: 1 << 40},
	} {
		o.RPOSeconds, o.WarnEnabled, o.WarnThresholdSecs, o.FailEnabled = 15, true, 2, true
		if res, _ := rulesOf(&o).verdict(12 * time.Minute); res != emcdp.ResultWarning {
			t.Errorf("%s: a lag of 12 minutes is %v, want Warning", name, res)
		}
	}
}
