package sim

import (
	"math"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

// TestVerdictHugeThreshold judges lags under thresholds far beyond any lag,
// as a PUT may set them (a million minutes, 60 million periods, under a one-hour
// RPO): the threshold times the RPO exceeds 64 bits of nanoseconds, and the
// lag must not reach it, whatever the wrap-around would have made of it.
func TestVerdictHugeThreshold(t *testing.T) {
	for _, rpo := range []time.Duration{2 * time.Second, time.Minute, time.Hour} {
		o := emcdp.CdpScheduleOptions{RPOSeconds: int(rpo / time.Second), WarnEnabled: true, FailEnabled: true,
			WarnThresholdSecs: 1, FailThresholdMins: 1000000}
		r := rulesOf(&o)
		for _, c := range []struct {
			lag  time.Duration
			want emcdp.Result
		}{{0, emcdp.ResultSuccess}, {rpo, emcdp.ResultWarning}, {400 * 24 * time.Hour, emcdp.ResultWarning}} {
			if got, _ := r.verdict(c.lag); got != c.want {
				t.Errorf("RPO %v, lag %v: %v, want %v", rpo, c.lag, got, c.want)
			}
		}
		o.WarnThresholdMins, o.WarnThresholdSecs = 2147483647, 59
		if got, _ := rulesOf(&o).verdict(400 * 24 * time.Hour); got != emcdp.ResultSuccess {
			t.Errorf("RPO %v, thresholds of 2^31 minutes: %v, want Success", rpo, got)
		}
	}
	// A threshold that is reached still is, to the nanosecond.
	r := rpoRules{rpo: time.Minute, failOn: true, fail: 3}
	if got, _ := r.verdict(3*time.Minute - 1); got != emcdp.ResultSuccess {
		t.Errorf("just below 3 periods: %v", got)
	}
	if got, _ := r.verdict(3 * time.Minute); got != emcdp.ResultFailed {
		t.Errorf("at 3 periods: %v", got)
	}
}

// TestVerdictHugeThresholdWrap: a failure threshold that a write set very high
// (integers are all a PUT checks) is a threshold no lag reaches; it neither
// wraps around to a small number of periods nor overflows the lag it
// stands for.
func TestVerdictHugeThresholdWrap(t *testing.T) {
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
