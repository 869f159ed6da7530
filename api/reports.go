package api

import (
	"strings"

	"github.com/emcdp/emcdp/report"
	"github.com/emcdp/emcdp/wire"
)

// reportSummary answers GET /api/reports/summary: the links to the five
// frames (monitoring.md §7).
func (h *Handler) reportSummary(c *call, _ []string) error {
	c.buf = c.enc.SummaryReport(c.buf, c.base)
	return nil
}

// reportFrame answers GET /api/reports/summary/{frame}, the frame's path
// matched case-insensitively (clients send /Overview, /Job_Statistics):
// the report computed from the store at the request time.
func (h *Handler) reportFrame(c *call, args []string) error {
	frame := -1
	for i, f := range wire.ReportFrames {
		if strings.EqualFold(args[0], f.Path) {
			frame = i
		}
	}
	if frame < 0 {
		return notFound()
	}
	r, err := report.Compute(c.ctx(), h.store, h.clock.Now())
	if err != nil {
		return err
	}
	switch wire.ReportFrames[frame].Path {
	case "overview":
		c.buf = c.enc.OverviewReport(c.buf, &r.Overview)
	case "vms_overview":
		c.buf = c.enc.VmsOverviewReport(c.buf, &r.VmsOverview)
	case "job_statistics":
		c.buf = c.enc.JobStatisticsReport(c.buf, &r.JobStatistics)
	case "processed_vms":
		c.buf = c.enc.ProcessedVmsReport(c.buf, r.ProcessedVms)
	default:
		c.buf = c.enc.RepositoryReport(c.buf, r.Repositories)
	}
	return nil
}
