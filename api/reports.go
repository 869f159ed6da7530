package api

import (
	"strings"

	"github.com/emcdp/emcdp"
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
// (wire.ReportFrames) matched case-insensitively (clients send /Overview,
// /Job_Statistics): the frame computed from the store at the request time,
// reading only the figures it shows.
func (h *Handler) reportFrame(c *call, args []string) error {
	var frame emcdp.ReportFrames
	for i, f := range wire.ReportFrames {
		if strings.EqualFold(args[0], f.Path) {
			frame = emcdp.FrameOverview << i // the flags follow wire.ReportFrames' order
		}
	}
	if frame == 0 {
		return notFound()
	}
	// A frame reads the runs, tasks and points of a day: a scan, so it
	// waits for a scan slot as collections do.
	release, err := h.scanSlot(c)
	if err != nil {
		return err
	}
	defer release()
	r, err := report.Compute(c.ctx(), h.store, h.clock.Now(), frame)
	if err != nil {
		return err
	}
	switch frame {
	case emcdp.FrameOverview:
		c.buf = c.enc.OverviewReport(c.buf, &r.Overview)
	case emcdp.FrameVmsOverview:
		c.buf = c.enc.VmsOverviewReport(c.buf, &r.VmsOverview)
	case emcdp.FrameJobStatistics:
		c.buf = c.enc.JobStatisticsReport(c.buf, &r.JobStatistics)
	case emcdp.FrameProcessedVms:
		c.buf = c.enc.ProcessedVmsReport(c.buf, r.ProcessedVms)
	default:
		c.buf = c.enc.RepositoryReport(c.buf, r.Repositories)
	}
	return nil
}
