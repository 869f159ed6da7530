package sim

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// world is a Config expanded into servers, policies and VMs, with every id,
// name, size and phase fixed. It depends on the start instant only through
// the times it derives from it.
type world struct {
	cfg      Config
	start    time.Time
	servers  []emcdp.BackupServer
	policies []*policyDef
	vms      map[string]*vmDef // by lower-case name
	vbr      []*vbrServer      // the servers' regular VBR worlds, in server order
	agents   []*agentServer    // the servers' agents and NAS worlds, in server order
}

// policyDef is one policy with what its generators need.
type policyDef struct {
	index    int
	pol      emcdp.CdpPolicy // NextRun left zero; set when written
	settings PolicySettings
	first    time.Time // creation of the first policy session
	seed     uint64    // of the policy-session id stream
	vms      []*vmDef  // in declaration order, which is generation order
}

// vmDef is one protected VM.
type vmDef struct {
	name       string
	size       int64
	busy       float64   // multiplies the chance that a problem episode begins
	firstStart time.Time // creation of the VM's first task session
	seed       uint64
	proxy      string // the CDP proxy, source host and target datastore that
	host       string // reasons name
	datastore  string
	scripted   []Episode // absolute, sorted by From
	daily      []Episode // sorted by time of day
}

// Catalogue vocabulary for generated worlds.
var (
	versions   = []string{"12.3.1.1139", "12.3.1.1139", "12.3.0.310", "12.2.0.334", "12.1.2.172"}
	sites      = []string{"east", "west", "north", "south", "central", "dr"}
	diskSizes  = []int{16, 40, 60, 80, 100, 127, 200, 256, 500, 1024}
	policyKind = []struct{ name, vm, what string }{
		{"CDP Tier-1 SQL", "sql-prod", "SQL Server"},
		{"CDP Exchange", "exch", "Exchange mailbox servers"},
		{"CDP Web Frontend", "web", "web front ends"},
		{"CDP Tier-1 Oracle", "ora-prod", "Oracle databases"},
		{"CDP File Services", "fs", "file servers"},
		{"CDP Domain Controllers", "dc", "domain controllers"},
		{"CDP SAP HANA", "hana", "SAP HANA nodes"},
		{"CDP Tier-2 Apps", "app", "line-of-business applications"},
		{"CDP ERP", "erp", "ERP application servers"},
		{"CDP CRM", "crm", "CRM servers"},
		{"CDP PostgreSQL", "pg", "PostgreSQL clusters"},
		{"CDP Citrix", "ctx", "Citrix delivery controllers"},
	}
)

// newRand returns a PCG generator for one stream of a seed.
func newRand(seed uint64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// idReader adapts a seeded generator to io.Reader for emcdp.ReadID.
type idReader struct{ r *rand.Rand }

func (s idReader) Read(p []byte) (int, error) {
	for i := 0; i < len(p); i += 8 {
		v := s.r.Uint64()
		for j := 0; j < 8 && i+j < len(p); j++ {
			p[i+j] = byte(v >> (8 * j))
		}
	}
	return len(p), nil
}

// newID draws an id from r. An idReader never fails.
func newID(r *rand.Rand) emcdp.ID {
	id, _ := emcdp.ReadID(idReader{r})
	return id
}

// newWorld expands a normalized Config for a world starting at start.
func newWorld(cfg Config, start time.Time) (*world, error) {
	w := &world{cfg: cfg, start: start.UTC(), vms: map[string]*vmDef{}}
	r := newRand(uint64(cfg.Seed), 0x636174616c6f67) // "catalog"
	specs := cfg.Catalog
	if len(specs) == 0 {
		specs = generateCatalog(cfg, r)
	}
	for si, ss := range specs {
		srv := emcdp.BackupServer{ID: newID(r), Name: ss.Name, Description: ss.Description,
			Port: ss.Port, Version: ss.Version, WcfPort: 9405, ProxyCount: ss.Proxies}
		if srv.ProxyCount <= 0 {
			srv.ProxyCount = 3
		}
		srv.VbrCertificateThumbprint = thumbprint(srv.ID)
		if srv.Port == 0 {
			srv.Port = 9392
		}
		if srv.Version == "" {
			srv.Version = versions[0]
		}
		w.servers = append(w.servers, srv)
		vcenter := newID(r).String()
		moref := 1000 + r.IntN(3000)
		for _, ps := range ss.Policies {
			settings, err := ps.Settings.withDefaults(cfg.Policy)
			if err != nil {
				return nil, fmt.Errorf("sim: policy %s: %w", ps.Name, err)
			}
			p := &policyDef{index: len(w.policies), settings: settings}
			p.pol = emcdp.CdpPolicy{
				ID: newID(r), Name: ps.Name, BackupServerID: srv.ID, BackupServerName: srv.Name,
				Platform: "VMware", Description: ps.Description, ScheduleConfigured: true, ScheduleEnabled: true,
				Options: scheduleOptions(settings),
				Guest:   emcdp.GuestProcessingOptions{VssSnapshotMode: "Disabled"},
			}
			p.first = emcdp.Ticks(w.start.Add(time.Duration(r.Int64N(int64(day)))))
			p.seed = r.Uint64()
			for _, vs := range ps.VMs {
				v := &vmDef{name: vs.Name, seed: r.Uint64()}
				disks := vs.DisksGiB
				if len(disks) == 0 {
					disks = randomDisks(r)
				}
				for _, d := range disks {
					v.size += int64(d) * gib
				}
				v.busy = math.Exp(0.7*r.NormFloat64() - 0.245)
				v.firstStart = emcdp.Ticks(p.first.Add(2*time.Second + time.Duration(r.Int64N(int64(13*time.Second)))))
				v.proxy = fmt.Sprintf("cdp-proxy%d%d.lab.local", si+1, 1+r.IntN(3))
				v.host = fmt.Sprintf("esx%d%02d.lab.local", si+1, 1+r.IntN(12))
				v.datastore = fmt.Sprintf("ds-replica-%d%02d", si+1, 1+r.IntN(6))
				moref += 1 + r.IntN(40)
				p.pol.Includes = append(p.pol.Includes, emcdp.ObjectInJob{
					ID: newID(r), PolicyID: p.pol.ID, Name: vs.Name, DisplayName: vs.Name,
					HierarchyObjRef: fmt.Sprintf("urn:VMware:Vm:%s.vm-%d", vcenter, moref),
					Guest:           p.pol.Guest, TotalSize: v.size,
				})
				p.vms = append(p.vms, v)
				w.vms[strings.ToLower(v.name)] = v
			}
			sort.Slice(p.pol.Includes, func(a, b int) bool {
				x, y := &p.pol.Includes[a], &p.pol.Includes[b]
				if x.Name != y.Name {
					return x.Name < y.Name
				}
				return string(x.ID[:]) < string(y.ID[:])
			})
			w.policies = append(w.policies, p)
		}
	}
	if err := w.attachEpisodes(); err != nil {
		return nil, err
	}
	// the regular VBR world draws from a stream of its own, so that the CDP
	// world is the same with or without it
	rv := newRand(uint64(cfg.Seed), 0x766272) // "vbr"
	if len(cfg.Catalog) == 0 {
		generateJobs(cfg, rv, specs)
	}
	if err := w.buildVBR(specs, rv); err != nil {
		return nil, err
	}
	// agents and NAS draw from a stream of their own too
	ra := newRand(uint64(cfg.Seed), 0x6167656e74) // "agent"
	if len(cfg.Catalog) == 0 && cfg.Jobs.PerServer >= 0 {
		generateAgents(ra, specs)
	}
	w.buildAgents(specs, ra)
	return w, nil
}

// generateCatalog makes the servers, policies and VMs of a generated world.
func generateCatalog(cfg Config, r *rand.Rand) []ServerSpec {
	var out []ServerSpec
	prefixCount := map[string]int{}
	k := 0
	for s := 0; s < cfg.Servers; s++ {
		ss := ServerSpec{
			Name:        fmt.Sprintf("vbr%02d.lab.local", s+1),
			Version:     versions[r.IntN(len(versions))],
			Description: "Backup server, site " + sites[s%len(sites)],
			Port:        9392,
		}
		for p := 0; p < cfg.PoliciesPerServer; p, k = p+1, k+1 {
			kind := policyKind[k%len(policyKind)]
			name := kind.name
			if round := k / len(policyKind); round > 0 {
				name = fmt.Sprintf("%s %02d", kind.name, round+1)
			}
			ps := PolicySpec{Name: name, Description: "Continuous replication of " + kind.what + " to the DR site"}
			if r.IntN(4) == 0 {
				ps.Description = ""
			}
			n := cfg.VMsPerPolicy
			if n == 0 {
				n = int(math.Round(float64(cfg.VMsMedian) * math.Exp(0.9*r.NormFloat64())))
				n = max(1, min(n, cfg.VMsMax))
			}
			for range n {
				prefixCount[kind.vm]++
				ps.VMs = append(ps.VMs, VMSpec{Name: fmt.Sprintf("%s-%02d", kind.vm, prefixCount[kind.vm])})
			}
			ss.Policies = append(ss.Policies, ps)
		}
		out = append(out, ss)
	}
	return out
}

// randomDisks picks one to four provisioned disk sizes in GiB.
func randomDisks(r *rand.Rand) []int {
	n := 1 + r.IntN(4)
	if r.IntN(2) == 0 {
		n = 1
	}
	d := make([]int, n)
	for i := range d {
		d[i] = diskSizes[r.IntN(len(diskSizes))]
	}
	return d
}

// scheduleOptions maps settings onto the PolicyScheduleOptions/CdpReplica
// element values. An RPO of whole minutes is written in minutes, any other in
// seconds; the RPO-reporting thresholds carry the number of missed periods.
func scheduleOptions(s PolicySettings) emcdp.CdpScheduleOptions {
	o := emcdp.DefaultCdpScheduleOptions()
	if s.RPO >= time.Minute && s.RPO%time.Minute == 0 {
		o.RPOSeconds, o.RPOMinutes = 0, int(s.RPO/time.Minute)
	} else {
		o.RPOSeconds, o.RPOMinutes = int(s.RPO/time.Second), 0
	}
	o.WarnThresholdSecs = s.WarnPeriods
	o.FailThresholdSecs = s.FailPeriods
	o.ShortTermRetHours = s.ShortTermRetentionHours
	o.LongTermRetHours = s.LongTermRetentionHours
	o.LongTermRetKeepDays = s.LongTermRetentionKeepDays
	return o
}

// policyAt returns the policy row as it reads at t: NextRun is when the
// session running at t ends (or when the first one starts).
func (p *policyDef) policyAt(t time.Time) emcdp.CdpPolicy {
	pol := p.pol
	pol.Includes = append([]emcdp.ObjectInJob(nil), p.pol.Includes...)
	pol.NextRun = p.nextRun(t)
	return pol
}

// nextRun is the start of the first policy session that starts after t.
func (p *policyDef) nextRun(t time.Time) time.Time {
	if t.Before(p.first) {
		return p.first
	}
	j := int64(t.Sub(p.first) / day)
	return p.first.Add(time.Duration(j+1) * day)
}

// thumbprint returns a backup server's certificate thumbprint as the real
// server writes it, 40 upper-case hex digits, made from its id so that the
// same seed gives the same one without drawing from the random streams.
func thumbprint(id emcdp.ID) string {
	sum := sha1.Sum(id[:])
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}
