-- The wrk script of "emcdp bench --driver wrk". emcdp bench writes the
-- scenario above this text: emcdp_method, emcdp_headers (header names to
-- values: the logon token, Accept, Authorization) and emcdp_paths (the
-- paths, query strings included, drawn from the discovered dataset the
-- same way the Go driver draws them). Each request takes one of the paths
-- at random, through request() also when there is only one (the ceiling):
-- so every scenario costs wrk the same call per request, and the ratio of a
-- scenario to the ceiling compares the server's work alone. done() writes
-- the result as one JSON line after the marker "EMCDP-WRK ".

wrk.method = emcdp_method
for name, value in pairs(emcdp_headers) do
  wrk.headers[name] = value
end
wrk.path = emcdp_paths[1]

local threads = {}

-- setup runs in the main state once per thread, before the threads start:
-- each thread gets its own number, which seeds its random draws.
function setup(thread)
  table.insert(threads, thread)
  thread:set("emcdp_thread", #threads)
end

local requests = {}

-- init runs in each thread's own state: the requests are formatted once,
-- so that a request costs a random draw and no string building.
function init(args)
  math.randomseed(emcdp_thread)
  for i, path in ipairs(emcdp_paths) do
    requests[i] = wrk.format(nil, path)
  end
end

-- emcdp_made counts this thread's requests, which done() adds up: emcdp
-- bench refuses a run in which wrk counted more answers than request()
-- made, since some of them were sent without it.
emcdp_made = 0

function request()
  emcdp_made = emcdp_made + 1
  return requests[math.random(#requests)]
end

-- done runs once in the main state with the totals of every thread;
-- latencies are in microseconds.
function done(summary, latency, requests)
  local e = summary.errors
  local min, max, mean = latency.min, latency.max, latency.mean
  local p50, p90, p99 = latency:percentile(50), latency:percentile(90), latency:percentile(99)
  local made = 0
  for _, thread in ipairs(threads) do
    made = made + (thread:get("emcdp_made") or 0)
  end
  if summary.requests == 0 or mean ~= mean then
    min, max, mean, p50, p90, p99 = 0, 0, 0, 0, 0, 0
  end
  io.write(string.format(
    'EMCDP-WRK {"requests":%.0f,"made":%.0f,"durationUs":%.0f,"bytes":%.0f,' ..
    '"errors":{"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f},' ..
    '"latencyUs":{"min":%.0f,"max":%.0f,"mean":%.3f,"p50":%.0f,"p90":%.0f,"p99":%.0f}}\n',
    summary.requests, made, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    min, max, mean, p50, p90, p99))
end
